"""Pure plotly figure builders: DataFrames in, figures out; no Streamlit, no database.

Plotly reads a few HTML tags in any text it draws, so every label that comes from data is
HTML-escaped first (plotly shows the entities as the characters).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Japanese glyphs first-class: the browser picks the first installed family.
FONT_FAMILY = ("Noto Sans JP, Noto Sans CJK JP, Hiragino Sans, Hiragino Kaku Gothic ProN, "
               "Yu Gothic, Meiryo, Source Sans Pro, sans-serif")
PALETTE = ("#1f6fb2", "#e07b39", "#4c9a5b", "#8c5fb0", "#c4475a", "#5a9fb0", "#b59a2c",
           "#6d6d6d")
POSITIVE, NEUTRAL, NEGATIVE = "#2e9e5b", "#9aa5b1", "#d0453b"
OTHER_COLOR = "#b8bec6"


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def brand_colors(brands: Sequence[str]) -> dict[str, str]:
    """A stable colour per brand, by its position among the tracked brands."""
    return {b: PALETTE[i % len(PALETTE)] for i, b in enumerate(brands)}


def _colors(brands: Sequence[str], colors: Mapping[str, str] | None) -> Mapping[str, str]:
    return colors if colors is not None else brand_colors(brands)


def _layout(fig: go.Figure, *, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        height=height,
        font={"family": FONT_FAMILY, "size": 13}, template="plotly_white",
        # Top right, clear of the title on the left.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        title={"text": _text(title)} if title else None,
    )
    if fig.layout.margin.t is None:
        fig.update_layout(margin={"l": 10, "r": 10, "t": 50 if title else 30, "b": 10})
    return fig


def sentiment_meter(brand: str, net: float, previous_net: float, mentions: int) -> go.Figure:
    """A gauge of net sentiment (-100..+100) with the change against the previous period.

    NaN ``net`` (nothing scored) draws an empty gauge marked "no scored mentions"; NaN
    ``previous_net`` leaves the change out rather than comparing with zero.
    """
    has_value = not math.isnan(net)
    has_delta = has_value and not math.isnan(previous_net)
    mode = "gauge" + ("+number" if has_value else "") + ("+delta" if has_delta else "")
    subtitle = f"{mentions:,} mentions" if has_value else "no scored mentions"
    fig = go.Figure(go.Indicator(
        mode=mode,
        value=net if has_value else None,
        number={"valueformat": "+.0f", "font": {"size": 34}},
        delta={"reference": previous_net if has_delta else 0, "valueformat": "+.1f",
               "suffix": " pts vs previous", "font": {"size": 14},
               "increasing": {"color": POSITIVE}, "decreasing": {"color": NEGATIVE}},
        title={"text": f"<b>{_text(brand)}</b><br><span style='font-size:0.75em;color:#6b7280'>"
                       f"{subtitle}</span>", "font": {"size": 18}},
        gauge={
            "axis": {"range": [-100, 100], "tickvals": [-100, -50, 0, 50, 100]},
            # A needle-like marker at the value reads better on a -100..+100 scale than a
            # bar growing from -100.
            "bar": {"color": "rgba(0,0,0,0)"},
            **({"threshold": {"line": {"color": "#111827", "width": 5}, "thickness": 1,
                              "value": net}} if has_value else {}),
            "steps": [{"range": [-100, -20], "color": "#f6d5d2"},
                      {"range": [-20, 20], "color": "#eceff2"},
                      {"range": [20, 100], "color": "#d5eedd"}],
        },
        domain={"x": [0, 1], "y": [0, 1]},
    ))
    fig.update_layout(margin={"l": 40, "r": 40, "t": 70, "b": 10})
    return _layout(fig, height=260)


def volume_and_sentiment(daily: pd.DataFrame, brands: Sequence[str],
                         colors: Mapping[str, str] | None = None) -> go.Figure:
    """Two stacked panels sharing days: mentions per day, net sentiment per day, per brand."""
    colors = _colors(brands, colors)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Mentions per day", "Net sentiment per day"))
    for brand in brands:
        rows = daily[daily["brand"] == brand]
        name = _text(brand)
        fig.add_trace(go.Scatter(
            x=rows["day"], y=rows["mentions"], name=name, legendgroup=name, mode="lines+markers",
            line={"color": colors.get(brand, OTHER_COLOR), "width": 2}, marker={"size": 5},
            hovertemplate="%{x|%Y-%m-%d}: %{y:,} mentions<extra>" + name + "</extra>"),
            row=1, col=1)
        fig.add_trace(go.Scatter(
            x=rows["day"], y=rows["net_sentiment"], name=name, legendgroup=name,
            showlegend=False, mode="lines+markers", connectgaps=False,
            line={"color": colors.get(brand, OTHER_COLOR), "width": 2}, marker={"size": 5},
            hovertemplate="%{x|%Y-%m-%d}: %{y:+.0f}<extra>" + name + "</extra>"),
            row=2, col=1)
    fig.update_yaxes(title_text="Mentions", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="Net sentiment", range=[-100, 100], zeroline=True,
                     zerolinecolor="#9aa5b1", row=2, col=1)
    return _layout(fig, height=520)


def share_of_voice_donut(sov: pd.DataFrame, brands: Sequence[str],
                         colors: Mapping[str, str] | None = None) -> go.Figure:
    colors = _colors(brands, colors)
    fig = go.Figure(go.Pie(
        labels=[_text(b) for b in sov["brand"]], values=sov["mentions"], hole=0.55,
        marker={"colors": [colors.get(b, OTHER_COLOR) for b in sov["brand"]]}, sort=False,
        textinfo="label+percent", hovertemplate="%{label}: %{value:,} mentions "
                                                "(%{percent})<extra></extra>"))
    return _layout(fig, height=360, title="Share of voice")


def net_sentiment_bars(summary: pd.DataFrame, brands: Sequence[str],
                       colors: Mapping[str, str] | None = None) -> go.Figure:
    colors = _colors(brands, colors)
    values = summary["net_sentiment"]
    fig = go.Figure(go.Bar(
        x=[_text(b) for b in summary["brand"]], y=values,
        marker={"color": [colors.get(b, OTHER_COLOR) for b in summary["brand"]]},
        text=[f"{v:+.0f}" if not math.isnan(v) else "n/a" for v in values],
        textposition="outside", hovertemplate="%{x}: %{y:+.1f}<extra></extra>"))
    fig.update_yaxes(range=[-100, 100], title_text="Net sentiment", zeroline=True,
                     zerolinecolor="#9aa5b1")
    return _layout(fig, height=360, title="Net sentiment")


def share_of_voice_over_time(daily_sov: pd.DataFrame, brands: Sequence[str],
                             colors: Mapping[str, str] | None = None) -> go.Figure:
    colors = _colors(brands, colors)
    fig = go.Figure()
    for brand in brands:
        rows = daily_sov[daily_sov["brand"] == brand]
        name = _text(brand)
        fig.add_trace(go.Scatter(
            x=rows["day"], y=rows["share"], name=name, mode="lines", stackgroup="sov",
            line={"color": colors.get(brand, OTHER_COLOR), "width": 1},
            hovertemplate="%{x|%Y-%m-%d}: %{y:.0f}%<extra>" + name + "</extra>"))
    fig.update_yaxes(range=[0, 100], ticksuffix="%", title_text="Share of voice")
    return _layout(fig, height=360, title="Share of voice over time")


def topic_volume(topics: pd.DataFrame, brands: Sequence[str],
                 colors: Mapping[str, str] | None = None) -> go.Figure:
    """Horizontal bars: mentions per topic, one bar per brand."""
    colors = _colors(brands, colors)
    order = (topics.groupby("topic")["mentions"].sum().sort_values().index.tolist()
             if not topics.empty else [])
    fig = go.Figure()
    for brand in brands:
        rows = topics[topics["brand"] == brand].set_index("topic").reindex(order)
        fig.add_trace(go.Bar(
            y=[_text(t) for t in order], x=rows["mentions"].fillna(0), name=_text(brand),
            orientation="h", marker={"color": colors.get(brand, OTHER_COLOR)},
            hovertemplate="%{y}: %{x:,} mentions<extra>" + _text(brand) + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Mentions")
    return _layout(fig, height=max(320, 60 + 28 * len(order) * max(1, len(brands))),
                   title="Topic volume")


def topic_sentiment_heatmap(topics: pd.DataFrame, brands: Sequence[str]) -> go.Figure:
    """Topics x brands, coloured by net sentiment, annotated with value and volume."""
    order = (topics.groupby("topic")["mentions"].sum().sort_values().index.tolist()
             if not topics.empty else [])
    net = topics.pivot_table(index="topic", columns="brand", values="net_sentiment",
                             aggfunc="first").reindex(index=order, columns=list(brands))
    vol = topics.pivot_table(index="topic", columns="brand", values="mentions",
                             aggfunc="sum").reindex(index=order, columns=list(brands))
    text = [[("" if pd.isna(n) else f"{n:+.0f}") + ("" if pd.isna(v) else f" ({int(v)})")
             for n, v in zip(net_row, vol_row, strict=True)]
            for net_row, vol_row in zip(net.to_numpy(), vol.to_numpy(), strict=True)]
    fig = go.Figure(go.Heatmap(
        z=net.to_numpy(), x=[_text(b) for b in brands], y=[_text(t) for t in order],
        zmin=-100, zmax=100, zmid=0, text=text, texttemplate="%{text}",
        colorscale=[[0, NEGATIVE], [0.5, "#f3f4f6"], [1, POSITIVE]],
        colorbar={"title": {"text": "Net"}},
        hovertemplate="%{y} · %{x}: %{z:+.0f}<extra></extra>"))
    return _layout(fig, height=max(320, 60 + 40 * len(order)),
                   title="Net sentiment by topic (mentions)")


def answer_distribution(shares: pd.DataFrame, brands: Sequence[str], *, title: str,
                        values: Sequence[int],
                        colors: Mapping[str, str] | None = None) -> go.Figure:
    """Grouped bars: % of each brand's answers at each value (stars, NPS 0-10, CSAT 1-5)."""
    colors = _colors(brands, colors)
    fig = go.Figure()
    for brand in brands:
        rows = shares[shares["brand"] == brand].set_index("value").reindex(list(values))
        if rows["answers"].isna().all():
            continue
        fig.add_trace(go.Bar(
            x=[str(v) for v in values], y=rows["share"].fillna(0), name=_text(brand),
            marker={"color": colors.get(brand, OTHER_COLOR)}, customdata=rows["answers"].fillna(0),
            hovertemplate="%{x}: %{y:.0f}% (%{customdata:,})<extra>" + _text(brand)
                          + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    fig.update_xaxes(type="category")
    return _layout(fig, height=320, title=title)
