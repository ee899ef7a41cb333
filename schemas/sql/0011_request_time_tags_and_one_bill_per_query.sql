-- A ledger row keeps when the query was made and the query's tags, and a query is billed once:
-- a second decision for one (tenant, query id) is refused unless the first was superseded, on
-- purpose and with a reason. Rows recorded before this migration keep every value they had.

ALTER TABLE ledger
    -- The query's created_at (request time); NULL on rows recorded before request times were kept,
    -- which are booked by decision time: a row's booking time is coalesce(requested_at, decided_at).
    ADD COLUMN requested_at timestamptz,
    -- The query's tags, from its metadata: string values under bounded keys (docs/LEDGER.md).
    ADD COLUMN tags jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(tags) = 'object'),
    -- A superseded decision is no longer billed: it leaves every total and frees its query for
    -- another decision. Only a decision whose usage was never reported can be superseded.
    ADD COLUMN superseded_at timestamptz,
    ADD COLUMN superseded_reason text CHECK (superseded_reason <> ''),
    ADD COLUMN superseded_by text,
    ADD CONSTRAINT ledger_supersession_is_complete
        CHECK (num_nulls(superseded_at, superseded_reason, superseded_by) IN (0, 3));

-- Whatever writes the ledger, no query ends up with two billed decisions. The ledger stage
-- looks first and dead-letters the second decision as duplicate_query; this is the guarantee.
-- (ledger_tenant_query, of 0005, finds a query's rows.)
CREATE FUNCTION ledger_one_bill_per_query() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    twice record;
BEGIN
    SELECT l.tenant, l.query_id INTO twice
    FROM ledger AS l
    WHERE (l.tenant, l.query_id) IN (SELECT tenant, query_id FROM new_rows) AND l.superseded_at IS NULL
    GROUP BY l.tenant, l.query_id
    HAVING count(*) > 1
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'query % of tenant % already has a billed decision; supersede it first', twice.query_id, twice.tenant
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_one_bill_per_query
    AFTER INSERT ON ledger REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_one_bill_per_query();

-- A row is final once its usage is recorded; its decision, request time and tags never change,
-- and a supersession, once recorded, is never changed or withdrawn.
CREATE OR REPLACE FUNCTION ledger_rows_are_final() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    decision text;
BEGIN
    SELECT decision_id INTO decision FROM old_rows WHERE usage_recorded_at IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the actual usage of decision % is already recorded; a ledger row is final once it is',
            decision USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT changed.decision_id INTO decision
    FROM (SELECT decision_id, query_id, tenant, decided_at, chosen_model, reference_model, router_version, threshold,
                 strong_win_rate, price_id, reference_price_id, estimated_input_tokens, estimated_output_tokens,
                 estimated_cost, estimated_reference_cost, kafka_topic, kafka_partition, kafka_offset, recorded_at,
                 requested_at, tags
          FROM old_rows
          EXCEPT
          SELECT decision_id, query_id, tenant, decided_at, chosen_model, reference_model, router_version, threshold,
                 strong_win_rate, price_id, reference_price_id, estimated_input_tokens, estimated_output_tokens,
                 estimated_cost, estimated_reference_cost, kafka_topic, kafka_partition, kafka_offset, recorded_at,
                 requested_at, tags
          FROM new_rows) AS changed
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'decision % cannot change: only its actual usage may be added', decision
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT decision_id INTO decision FROM old_rows WHERE superseded_at IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'decision % is superseded; a superseded row is final', decision
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$;

-- The daily totals are by request day and leave superseded rows out. Rows recorded before
-- this migration have no request time and none is superseded: their totals stand as they are.
CREATE OR REPLACE FUNCTION ledger_daily_apply() RETURNS trigger
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
        SELECT (coalesce(requested_at, decided_at) AT TIME ZONE ''UTC'')::date, tenant, chosen_model,
               sum(sign),
               coalesce(sum(sign) FILTER (WHERE actual_cost IS NOT NULL), 0),
               sum(sign * coalesce(actual_input_tokens, estimated_input_tokens)),
               sum(sign * coalesce(actual_output_tokens, estimated_output_tokens)),
               sum(sign * coalesce(actual_cost, estimated_cost)),
               sum(sign * coalesce(actual_reference_cost, estimated_reference_cost)),
               sum(sign * savings)
        FROM (' || changes || ') AS changes
        WHERE superseded_at IS NULL
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

-- The views show the new columns, and the awaiting list leaves superseded rows out.
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
       l.superseded_at, l.superseded_reason, l.superseded_by
FROM ledger AS l
JOIN prices AS p ON p.id = l.price_id
JOIN prices AS r ON r.id = l.reference_price_id;

CREATE OR REPLACE VIEW audit_awaiting_usage WITH (security_invoker = true) AS
SELECT decision_id, tenant, chosen_model, decided_at, now() - decided_at AS waiting,
       kafka_topic, kafka_partition, kafka_offset
FROM ledger
WHERE actual_cost IS NULL AND superseded_at IS NULL;

GRANT UPDATE (superseded_at, superseded_reason, superseded_by) ON ledger TO {{writer}};
