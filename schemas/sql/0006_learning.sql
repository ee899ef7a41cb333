-- Continual learning: preference votes stored as battles, the prompts of routed queries (so a
-- vote may name its query instead of repeating the prompt), online Elo ratings, and every
-- refit of the global ratings and tiers as a numbered ratings version.

-- The battle memory. Imported battles have no vote; a vote's battle keeps its vote id (each
-- vote counts once) and where it was read from.
CREATE TABLE battles (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vote_id text UNIQUE CHECK (vote_id <> ''),
    query_id text,
    voter text,
    prompt text NOT NULL,
    model_a text NOT NULL CHECK (model_a <> ''),
    model_b text NOT NULL CHECK (model_b <> '' AND model_b <> model_a),
    winner text NOT NULL CHECK (winner IN ('model_a', 'model_b', 'tie', 'tie (bothbad)')),
    source text NOT NULL,
    -- When the battle was fought or the vote cast; null when the source does not say.
    fought_at timestamptz,
    -- The prompt's embedding: little-endian float32 values of unit length, from this embedder.
    embedder_name text NOT NULL,
    embedder_version text NOT NULL,
    embedding bytea NOT NULL CHECK (length(embedding) > 0 AND length(embedding) % 4 = 0),
    kafka_topic text,
    kafka_partition integer CHECK (kafka_partition >= 0),
    kafka_offset bigint CHECK (kafka_offset >= 0),
    CHECK (num_nulls(kafka_topic, kafka_partition, kafka_offset) IN (0, 3)),
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- The text the router embedded for each query it was asked to route, kept for a while so a
-- vote that names only its query can be turned into a battle.
CREATE TABLE query_prompts (
    query_id text NOT NULL,
    tenant text NOT NULL,
    prompt text NOT NULL,
    created_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (query_id, tenant)
);
CREATE INDEX query_prompts_recorded_at ON query_prompts (recorded_at);

-- One row per refit of the global Bradley-Terry ratings and tiers; decisions name the version
-- they were made with as 'ratings-<id>'.
CREATE TABLE ratings_versions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL CHECK (reason IN ('import', 'start', 'votes', 'schedule', 'new_model')),
    -- The refit covers every battle with an id up to this one.
    last_battle_id bigint NOT NULL CHECK (last_battle_id >= 0),
    battle_count bigint NOT NULL CHECK (battle_count >= 0),
    tier_count integer NOT NULL CHECK (tier_count >= 1),
    bootstrap_rounds integer NOT NULL CHECK (bootstrap_rounds >= 1),
    bootstrap_seed bigint NOT NULL,
    confidence double precision NOT NULL CHECK (confidence > 0 AND confidence < 1),
    embedder_name text NOT NULL,
    embedder_version text NOT NULL
);

CREATE TABLE model_ratings (
    ratings_version bigint NOT NULL REFERENCES ratings_versions (id),
    model text NOT NULL,
    rating double precision NOT NULL,
    -- The bootstrap interval at the version's confidence, and the bootstrap median.
    rating_lower double precision NOT NULL,
    rating_median double precision NOT NULL,
    rating_upper double precision NOT NULL,
    -- 0 is the strongest tier.
    tier integer NOT NULL CHECK (tier >= 0),
    battles bigint NOT NULL CHECK (battles >= 0),
    PRIMARY KEY (ratings_version, model)
);

-- The online ratings: the latest refit's, moved by one Elo step per vote since.
CREATE TABLE elo_ratings (
    model text PRIMARY KEY,
    rating double precision NOT NULL,
    votes bigint NOT NULL CHECK (votes >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every Elo step, with the ratings before and after.
CREATE TABLE elo_steps (
    battle_id bigint PRIMARY KEY REFERENCES battles (id),
    k double precision NOT NULL CHECK (k > 0),
    model_a_before double precision NOT NULL,
    model_b_before double precision NOT NULL,
    model_a_after double precision NOT NULL,
    model_b_after double precision NOT NULL
);

-- The learn stage writes as the writer: it appends battles, steps and versions, keeps the
-- online ratings current, and forgets routed prompts past their retention. Nothing else changes.
GRANT SELECT, INSERT ON battles, ratings_versions, model_ratings, elo_steps TO {{writer}};
GRANT SELECT, INSERT, DELETE ON query_prompts TO {{writer}};
GRANT SELECT, INSERT, UPDATE ON elo_ratings TO {{writer}};
GRANT SELECT ON battles, query_prompts, ratings_versions, model_ratings, elo_ratings, elo_steps TO {{auditor}};
