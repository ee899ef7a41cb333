-- Price components providers bill apart: a rate for cached input tokens, a rate for reasoning
-- tokens, and a fee per request; and the cached and reasoning token counts of usage reports.
-- Cached input tokens are part of the input tokens, reasoning tokens part of the output tokens
-- (docs/LEDGER.md, Money). Every row written before this migration keeps its meaning exactly:
-- a price without a cached (reasoning) rate bills those tokens at its input (output) rate, its
-- fee is 0, and usage recorded before counted no cached or reasoning tokens.

-- Added with a constant default or none, so no row is rewritten and the history trigger, which
-- refuses every UPDATE of prices, is not touched.
ALTER TABLE prices
    ADD COLUMN cached_input_usd_per_million numeric(20, 6) CHECK (cached_input_usd_per_million >= 0),
    ADD COLUMN reasoning_usd_per_million numeric(20, 6) CHECK (reasoning_usd_per_million >= 0),
    ADD COLUMN per_request_usd numeric(20, 6) NOT NULL DEFAULT 0 CHECK (per_request_usd >= 0);

CREATE OR REPLACE VIEW current_prices WITH (security_invoker = true) AS
SELECT DISTINCT ON (model) id, model, input_usd_per_million, output_usd_per_million, effective_from,
       cached_input_usd_per_million, reasoning_usd_per_million, per_request_usd
FROM prices
WHERE effective_from <= now()
ORDER BY model, effective_from DESC;

-- Of a row's actual tokens, the cached input and the reasoning ones: set with the actual usage
-- (never without it), NULL on rows whose usage was recorded before this migration (none).
ALTER TABLE ledger
    ADD COLUMN actual_cached_input_tokens integer
        CHECK (actual_cached_input_tokens BETWEEN 0 AND coalesce(actual_input_tokens, -1)),
    ADD COLUMN actual_reasoning_tokens integer
        CHECK (actual_reasoning_tokens BETWEEN 0 AND coalesce(actual_output_tokens, -1));

GRANT UPDATE (actual_cached_input_tokens, actual_reasoning_tokens) ON ledger TO {{writer}};

-- Reports waiting for their decision keep the same counts.
ALTER TABLE usage_awaiting_decision
    ADD COLUMN cached_input_tokens integer NOT NULL DEFAULT 0 CHECK (cached_input_tokens BETWEEN 0 AND input_tokens),
    ADD COLUMN reasoning_tokens integer NOT NULL DEFAULT 0 CHECK (reasoning_tokens BETWEEN 0 AND output_tokens);

-- So does a replay's shadow ledger: the tokens each query is priced for.
ALTER TABLE replay_decisions
    ADD COLUMN cached_input_tokens integer NOT NULL DEFAULT 0 CHECK (cached_input_tokens BETWEEN 0 AND input_tokens),
    ADD COLUMN reasoning_tokens integer NOT NULL DEFAULT 0 CHECK (reasoning_tokens BETWEEN 0 AND output_tokens);

-- Every decision with all the components it was charged at, and its cached and reasoning tokens.
CREATE OR REPLACE VIEW audit_decisions WITH (security_invoker = true) AS
SELECT l.decision_id, l.query_id, l.tenant, l.decided_at,
       l.chosen_model, l.reference_model, l.router_version, l.threshold, l.strong_win_rate,
       l.actual_cost IS NOT NULL AS usage_reported,
       coalesce(l.actual_input_tokens, l.estimated_input_tokens) AS input_tokens,
       coalesce(l.actual_output_tokens, l.estimated_output_tokens) AS output_tokens,
       coalesce(l.actual_cost, l.estimated_cost) AS cost,
       coalesce(l.actual_reference_cost, l.estimated_reference_cost) AS reference_cost,
       l.savings,
       l.estimated_cost, l.actual_cost,
       p.input_usd_per_million, p.output_usd_per_million, p.effective_from AS price_effective_from,
       r.input_usd_per_million AS reference_input_usd_per_million,
       r.output_usd_per_million AS reference_output_usd_per_million,
       l.kafka_topic, l.kafka_partition, l.kafka_offset,
       l.requested_at, coalesce(l.requested_at, l.decided_at) AS booked_at, l.tags,
       l.superseded_at, l.superseded_reason, l.superseded_by,
       coalesce(l.actual_cached_input_tokens, 0) AS cached_input_tokens,
       coalesce(l.actual_reasoning_tokens, 0) AS reasoning_tokens,
       p.cached_input_usd_per_million, p.reasoning_usd_per_million, p.per_request_usd,
       r.cached_input_usd_per_million AS reference_cached_input_usd_per_million,
       r.reasoning_usd_per_million AS reference_reasoning_usd_per_million,
       r.per_request_usd AS reference_per_request_usd
FROM ledger AS l
JOIN prices AS p ON p.id = l.price_id
JOIN prices AS r ON r.id = l.reference_price_id;
