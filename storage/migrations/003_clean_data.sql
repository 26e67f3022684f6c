-- Clean data: duplicate detection keys, spam flags, and how many copies each mention has.
ALTER TABLE mentions ADD COLUMN fingerprint VARCHAR;
ALTER TABLE mentions ADD COLUMN flags VARCHAR[] DEFAULT [];
ALTER TABLE mentions ADD COLUMN duplicates INTEGER DEFAULT 0;

-- Reposts, retweets and copies collapsed into a canonical mention; counted, not stored twice.
CREATE TABLE mention_duplicates (
    source            VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    canonical_source  VARCHAR NOT NULL,
    canonical_id      VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    author_hash       VARCHAR,
    collected_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, source_id)
);
