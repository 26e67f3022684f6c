-- Aspect-level sentiment: each clause of a mention with its own topics and sentiment.
CREATE TABLE aspect_sentiments (
    source      VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    model_id    VARCHAR NOT NULL,
    clause      INTEGER NOT NULL,
    text        VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    score       DOUBLE NOT NULL,
    topics      VARCHAR[] NOT NULL,
    PRIMARY KEY (source, source_id, model_id, clause)
);

-- The dominant emotion (anger, joy, optimism, sadness) where the model provides one.
ALTER TABLE scores ADD COLUMN emotion VARCHAR;

-- Each (mention, topic) with its sentiment: from the clauses about that topic when the mention
-- was split (the strongest clause wins), else the mention's own label and topics.
CREATE VIEW mention_topic_sentiment AS
SELECT a.source, a.source_id, a.model_id, t.topic, arg_max(a.label, abs(a.score)) AS label
FROM aspect_sentiments a, unnest(a.topics) AS t(topic)
GROUP BY ALL
UNION ALL
SELECT s.source, s.source_id, s.model_id, t.topic, s.label
FROM scores s, unnest(s.topics) AS t(topic)
WHERE NOT EXISTS (SELECT 1 FROM aspect_sentiments a
                  WHERE a.source = s.source AND a.source_id = s.source_id
                    AND a.model_id = s.model_id);
