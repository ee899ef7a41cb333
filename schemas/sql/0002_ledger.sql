-- The ledger: one row per routing decision, written by the ledger stage from llm.decisions,
-- completed with actual usage from llm.usage. Money is numeric with six decimals (integer
-- micro-dollars in the program).

CREATE TABLE ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    decision_id text NOT NULL UNIQUE CHECK (decision_id <> ''),
    query_id text NOT NULL,
    tenant text NOT NULL,
    decided_at timestamptz NOT NULL,

    -- The decision: the model chosen, the strongest (reference) model it is measured against,
    -- and what decided it.
    chosen_model text NOT NULL,
    reference_model text NOT NULL,
    router_version text NOT NULL,
    threshold double precision NOT NULL CHECK (threshold BETWEEN 0 AND 1),
    strong_win_rate double precision NOT NULL CHECK (strong_win_rate BETWEEN 0 AND 1),

    -- The price rows the costs were computed with.
    price_id bigint NOT NULL,
    reference_price_id bigint NOT NULL,
    FOREIGN KEY (price_id, chosen_model) REFERENCES prices (id, model),
    FOREIGN KEY (reference_price_id, reference_model) REFERENCES prices (id, model),

    -- Estimated when the decision is made, from the prompt and the expected answer length.
    estimated_input_tokens integer NOT NULL CHECK (estimated_input_tokens >= 0),
    estimated_output_tokens integer NOT NULL CHECK (estimated_output_tokens >= 0),
    estimated_cost numeric(20, 6) NOT NULL CHECK (estimated_cost >= 0),
    estimated_reference_cost numeric(20, 6) NOT NULL CHECK (estimated_reference_cost >= 0),

    -- Actual, once the model's usage is reported: all set together, and where it came from.
    actual_input_tokens integer CHECK (actual_input_tokens >= 0),
    actual_output_tokens integer CHECK (actual_output_tokens >= 0),
    actual_cost numeric(20, 6) CHECK (actual_cost >= 0),
    actual_reference_cost numeric(20, 6) CHECK (actual_reference_cost >= 0),
    usage_recorded_at timestamptz,
    usage_topic text,
    usage_partition integer CHECK (usage_partition >= 0),
    usage_offset bigint CHECK (usage_offset >= 0),
    CHECK (num_nulls(actual_input_tokens, actual_output_tokens, actual_cost, actual_reference_cost,
                     usage_recorded_at) IN (0, 5)),
    CHECK (num_nulls(usage_topic, usage_partition, usage_offset) IN (0, 3)),

    -- What choosing this model saved against the reference model, on the best costs known
    -- (actual once reported, estimated before). Computed, so it cannot disagree.
    savings numeric(20, 6) GENERATED ALWAYS AS (
        coalesce(actual_reference_cost, estimated_reference_cost) - coalesce(actual_cost, estimated_cost)
    ) STORED,

    -- Where the decision was read from.
    kafka_topic text NOT NULL,
    kafka_partition integer NOT NULL CHECK (kafka_partition >= 0),
    kafka_offset bigint NOT NULL CHECK (kafka_offset >= 0),

    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ledger_tenant_decided_at ON ledger (tenant, decided_at);
CREATE INDEX ledger_awaiting_usage ON ledger (decided_at) WHERE actual_cost IS NULL;

-- The ledger stage's own Kafka offsets, written in the same transaction as the rows they
-- account for: the next offset to read per group, topic and partition.
CREATE TABLE consumer_offsets (
    consumer_group text NOT NULL,
    topic text NOT NULL,
    kafka_partition integer NOT NULL CHECK (kafka_partition >= 0),
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, kafka_partition)
);
