-- Replays: past queries re-decided under another router, or past decisions re-priced under
-- another price list, written to a shadow ledger of their own. Nothing here is billed, and no
-- replay touches the ledger, its rollups or any topic a worker reads.

CREATE TABLE replays (
    id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    -- 'reroute': queries read again from Kafka and routed again; 'reprice': the ledger's own
    -- decisions, priced again.
    kind text NOT NULL CHECK (kind IN ('reroute', 'reprice')),
    -- What the replay was asked for (span, tenant, router, prices), as given.
    parameters jsonb NOT NULL CHECK (jsonb_typeof(parameters) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT current_user
);

-- One row per replayed query: the model the replay chose (the actual one when re-pricing), the
-- tokens it is priced for (the query's actual tokens where the ledger has them, else the
-- estimate) and its costs at the replay's prices.
CREATE TABLE replay_decisions (
    replay_id text NOT NULL REFERENCES replays (id) ON DELETE CASCADE,
    tenant text NOT NULL,
    query_id text NOT NULL,
    requested_at timestamptz NOT NULL,
    chosen_model text NOT NULL,
    reference_model text NOT NULL,
    strong_win_rate double precision CHECK (strong_win_rate BETWEEN 0 AND 1),
    input_tokens integer NOT NULL CHECK (input_tokens >= 0),
    output_tokens integer NOT NULL CHECK (output_tokens >= 0),
    actual_tokens boolean NOT NULL,
    cost numeric(20, 6) NOT NULL CHECK (cost >= 0),
    reference_cost numeric(20, 6) NOT NULL CHECK (reference_cost >= 0),
    PRIMARY KEY (replay_id, tenant, query_id)
);

GRANT SELECT, INSERT, DELETE ON replays, replay_decisions TO {{writer}};
GRANT SELECT ON replays, replay_decisions TO {{auditor}};
