-- Daily totals per tenant and chosen model (UTC days), kept current by triggers in the same
-- transaction as the ledger rows, and the views the audit queries read.

CREATE TABLE ledger_daily (
    day date NOT NULL,
    tenant text NOT NULL,
    model text NOT NULL,
    decisions bigint NOT NULL,
    decisions_with_usage bigint NOT NULL,
    -- Best known: actual where reported, estimated otherwise, as in ledger.savings.
    input_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    cost numeric(24, 6) NOT NULL,
    reference_cost numeric(24, 6) NOT NULL,
    savings numeric(24, 6) NOT NULL,
    PRIMARY KEY (day, tenant, model)
);

-- Statement-level, so a COPY of many rows updates each total once. An insert adds its rows;
-- an update takes the old versions out and puts the new ones in. Runs as the schema owner:
-- the writer role has no rights on the totals.
CREATE FUNCTION ledger_daily_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changes text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END;
BEGIN
    EXECUTE '
        INSERT INTO ledger_daily AS d (day, tenant, model, decisions, decisions_with_usage,
                                       input_tokens, output_tokens, cost, reference_cost, savings)
        SELECT (decided_at AT TIME ZONE ''UTC'')::date, tenant, chosen_model,
               sum(sign),
               coalesce(sum(sign) FILTER (WHERE actual_cost IS NOT NULL), 0),
               sum(sign * coalesce(actual_input_tokens, estimated_input_tokens)),
               sum(sign * coalesce(actual_output_tokens, estimated_output_tokens)),
               sum(sign * coalesce(actual_cost, estimated_cost)),
               sum(sign * coalesce(actual_reference_cost, estimated_reference_cost)),
               sum(sign * savings)
        FROM (' || changes || ') AS changes
        GROUP BY 1, 2, 3
        ON CONFLICT (day, tenant, model) DO UPDATE SET
            decisions = d.decisions + excluded.decisions,
            decisions_with_usage = d.decisions_with_usage + excluded.decisions_with_usage,
            input_tokens = d.input_tokens + excluded.input_tokens,
            output_tokens = d.output_tokens + excluded.output_tokens,
            cost = d.cost + excluded.cost,
            reference_cost = d.reference_cost + excluded.reference_cost,
            savings = d.savings + excluded.savings';
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_daily_on_insert
    AFTER INSERT ON ledger REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_daily_apply();
CREATE TRIGGER ledger_daily_on_update
    AFTER UPDATE ON ledger REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_daily_apply();

-- Every decision with the prices it was charged at and its best known cost and savings.
CREATE VIEW audit_decisions WITH (security_invoker = true) AS
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
       l.kafka_topic, l.kafka_partition, l.kafka_offset
FROM ledger AS l
JOIN prices AS p ON p.id = l.price_id
JOIN prices AS r ON r.id = l.reference_price_id;

-- Decisions whose actual usage has not been reported yet.
CREATE VIEW audit_awaiting_usage WITH (security_invoker = true) AS
SELECT decision_id, tenant, chosen_model, decided_at, now() - decided_at AS waiting,
       kafka_topic, kafka_partition, kafka_offset
FROM ledger
WHERE actual_cost IS NULL;

-- Daily totals per tenant over all models.
CREATE VIEW audit_tenant_daily WITH (security_invoker = true) AS
SELECT day, tenant,
       sum(decisions) AS decisions,
       sum(decisions_with_usage) AS decisions_with_usage,
       sum(cost) AS cost,
       sum(reference_cost) AS reference_cost,
       sum(savings) AS savings,
       round(100 * sum(savings) / nullif(sum(reference_cost), 0), 2) AS savings_percent
FROM ledger_daily
GROUP BY day, tenant;
