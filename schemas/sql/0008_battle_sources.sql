-- Where each vote came from, as its sender names it, and retractions: the battles learnt from
-- one source taken back at once — by whom, when, how many and why — so that votes found to be
-- junk stop counting without a trace of them being lost.

-- The vote's own `source` field; null for votes without one and for imported battles.
ALTER TABLE battles ADD COLUMN vote_source text CHECK (vote_source <> '' AND length(vote_source) <= 256);

CREATE TABLE battle_retractions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    retracted_at timestamptz NOT NULL DEFAULT now(),
    retracted_by text NOT NULL DEFAULT session_user,
    -- A battle's source is its vote's `source`, else its `source` column (`votes`, or an import's).
    source text NOT NULL CHECK (source <> ''),
    battles bigint NOT NULL CHECK (battles >= 0),
    reason text NOT NULL
);

-- A retracted battle stays in the table (its vote id still counts it as seen, so a replay of
-- the vote is not learnt again) but enters no fit and no router's memory.
ALTER TABLE battles ADD COLUMN retraction bigint REFERENCES battle_retractions (id);
CREATE INDEX battles_source_unretracted ON battles ((coalesce(vote_source, source))) WHERE retraction IS NULL;

-- Routers following the table read the retractions to know when to reload; retracting is the
-- table owner's (`routeledger battles retract`), not the writer's.
GRANT SELECT ON battle_retractions TO {{writer}}, {{auditor}};

-- The refit that follows a retraction is a version of its own kind.
ALTER TABLE ratings_versions DROP CONSTRAINT ratings_versions_reason_check;
ALTER TABLE ratings_versions ADD CONSTRAINT ratings_versions_reason_check
    CHECK (reason IN ('import', 'start', 'votes', 'schedule', 'new_model', 'retraction'));
