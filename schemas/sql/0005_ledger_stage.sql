-- What the ledger stage needs beyond the ledger itself: a holding table for usage reports that
-- arrive before their decision, the lookups that match the two, when the model finished, and
-- the rule that a row is final once its actual usage is recorded.

-- Usage reports whose decision is not in the ledger yet, keyed by where they were read from.
-- A row leaves this table in the transaction that records it on its decision.
CREATE TABLE usage_awaiting_decision (
    usage_topic text NOT NULL,
    usage_partition integer NOT NULL CHECK (usage_partition >= 0),
    usage_offset bigint NOT NULL CHECK (usage_offset >= 0),
    tenant text NOT NULL,
    query_id text NOT NULL,
    -- The decision it answers when the worker passed it on; otherwise matched by tenant and query.
    decision_id text,
    model text NOT NULL,
    input_tokens integer NOT NULL CHECK (input_tokens >= 0),
    output_tokens integer NOT NULL CHECK (output_tokens >= 0),
    completed_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (usage_topic, usage_partition, usage_offset)
);

CREATE INDEX usage_awaiting_decision_by_decision ON usage_awaiting_decision (decision_id)
    WHERE decision_id IS NOT NULL;
CREATE INDEX usage_awaiting_decision_by_query ON usage_awaiting_decision (tenant, query_id)
    WHERE decision_id IS NULL;

-- Usage that names no decision is matched by tenant and query id.
CREATE INDEX ledger_tenant_query ON ledger (tenant, query_id);

-- When the model finished answering, as the worker reported it (usage_recorded_at is when the
-- ledger recorded it).
ALTER TABLE ledger ADD COLUMN usage_completed_at timestamptz
    CHECK (usage_completed_at IS NULL OR actual_cost IS NOT NULL);

-- A decision never changes, and its actual usage is recorded once: after that the row is final,
-- whoever tries (the writer's column privileges already keep it off the decision's columns).
CREATE FUNCTION ledger_rows_are_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.usage_recorded_at IS NOT NULL THEN
        RAISE EXCEPTION 'the actual usage of decision % is already recorded; a ledger row is final once it is',
            OLD.decision_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.decision_id, NEW.query_id, NEW.tenant, NEW.decided_at, NEW.chosen_model, NEW.reference_model,
        NEW.router_version, NEW.threshold, NEW.strong_win_rate, NEW.price_id, NEW.reference_price_id,
        NEW.estimated_input_tokens, NEW.estimated_output_tokens, NEW.estimated_cost, NEW.estimated_reference_cost,
        NEW.kafka_topic, NEW.kafka_partition, NEW.kafka_offset, NEW.recorded_at)
       IS DISTINCT FROM
       (OLD.decision_id, OLD.query_id, OLD.tenant, OLD.decided_at, OLD.chosen_model, OLD.reference_model,
        OLD.router_version, OLD.threshold, OLD.strong_win_rate, OLD.price_id, OLD.reference_price_id,
        OLD.estimated_input_tokens, OLD.estimated_output_tokens, OLD.estimated_cost, OLD.estimated_reference_cost,
        OLD.kafka_topic, OLD.kafka_partition, OLD.kafka_offset, OLD.recorded_at) THEN
        RAISE EXCEPTION 'decision % cannot change: only its actual usage may be added', OLD.decision_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ledger_rows_are_final
    BEFORE UPDATE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_rows_are_final();

GRANT UPDATE (usage_completed_at) ON ledger TO {{writer}};
GRANT SELECT, INSERT, DELETE ON usage_awaiting_decision TO {{writer}};
GRANT SELECT ON usage_awaiting_decision TO {{auditor}};
