"""Alerts: negative-spike detection with explanations (delivery channels come next)."""

from alerts.spikes import DayCount, Spike, alert_id, detect_spikes, find_spikes

__all__ = ["DayCount", "Spike", "alert_id", "detect_spikes", "find_spikes"]
