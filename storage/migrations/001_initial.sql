-- Mentions as collected; one row per (source, source_id), brands it matched as a list.
CREATE TABLE mentions (
    source        VARCHAR NOT NULL,
    source_id     VARCHAR NOT NULL,
    url           VARCHAR,
    author_hash   VARCHAR,
    title         VARCHAR,
    text          VARCHAR NOT NULL,
    language      VARCHAR,
    created_at    TIMESTAMPTZ NOT NULL,
    collected_at  TIMESTAMPTZ NOT NULL,
    brands        VARCHAR[] NOT NULL,
    rating        DOUBLE,
    nps           INTEGER,
    csat          INTEGER,
    likes         BIGINT,
    replies       BIGINT,
    reposts       BIGINT,
    views         BIGINT,
    PRIMARY KEY (source, source_id)
);

-- One row per mention and model: a model change adds rows, never mixes with old ones.
CREATE TABLE scores (
    source         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    model_id       VARCHAR NOT NULL,
    model_version  VARCHAR NOT NULL,
    label          VARCHAR NOT NULL,
    p_negative     DOUBLE NOT NULL,
    p_neutral      DOUBLE NOT NULL,
    p_positive     DOUBLE NOT NULL,
    score          DOUBLE NOT NULL,
    topics         VARCHAR[] NOT NULL,
    scored_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, source_id, model_id)
);

-- High-water mark per (source, brand query): collection resumes from here.
CREATE TABLE cursors (
    source      VARCHAR NOT NULL,
    brand       VARCHAR NOT NULL,
    position    TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, brand)
);

-- What each step of each run did: the dashboard's pipeline-health view reads this.
CREATE TABLE run_log (
    run_id       VARCHAR NOT NULL,
    step         VARCHAR NOT NULL,
    source       VARCHAR NOT NULL DEFAULT '',
    brand        VARCHAR NOT NULL DEFAULT '',
    interval_start TIMESTAMPTZ,
    interval_end   TIMESTAMPTZ,
    status       VARCHAR NOT NULL,
    items        BIGINT NOT NULL DEFAULT 0,
    seconds      DOUBLE NOT NULL DEFAULT 0,
    message      VARCHAR,
    finished_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, step, source, brand)
);

-- Per day, brand, source and language for one model; recomputed for the days a run touched.
CREATE TABLE daily_aggregates (
    day           DATE NOT NULL,
    brand         VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    language      VARCHAR NOT NULL,
    model_id      VARCHAR NOT NULL,
    mentions      BIGINT NOT NULL,
    scored        BIGINT NOT NULL,
    positive      BIGINT NOT NULL,
    neutral       BIGINT NOT NULL,
    negative      BIGINT NOT NULL,
    score_sum     DOUBLE NOT NULL,
    rating_count  BIGINT NOT NULL,
    rating_sum    DOUBLE NOT NULL,
    nps_count     BIGINT NOT NULL,
    promoters     BIGINT NOT NULL,
    detractors    BIGINT NOT NULL,
    csat_count    BIGINT NOT NULL,
    csat_satisfied BIGINT NOT NULL,
    PRIMARY KEY (day, brand, source, language, model_id)
);

CREATE TABLE daily_topics (
    day       DATE NOT NULL,
    brand     VARCHAR NOT NULL,
    topic     VARCHAR NOT NULL,
    model_id  VARCHAR NOT NULL,
    mentions  BIGINT NOT NULL,
    positive  BIGINT NOT NULL,
    negative  BIGINT NOT NULL,
    PRIMARY KEY (day, brand, topic, model_id)
);

-- A detected incident. alert_id is derived from (brand, window, rule), so re-detection is a no-op.
CREATE TABLE alerts (
    alert_id        VARCHAR PRIMARY KEY,
    brand           VARCHAR NOT NULL,
    window_start    TIMESTAMPTZ NOT NULL,
    window_end      TIMESTAMPTZ NOT NULL,
    model_id        VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
    negative_count  BIGINT NOT NULL,
    mentions        BIGINT NOT NULL,
    baseline        DOUBLE NOT NULL,
    baseline_std    DOUBLE NOT NULL,
    z_score         DOUBLE NOT NULL,
    reason          VARCHAR NOT NULL,
    top_terms       VARCHAR[] NOT NULL,
    topics          VARCHAR[] NOT NULL,
    sample_ids      VARCHAR[] NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
