-- The ledger's write path made cheaper, with the same guarantees: checks run once per statement
-- over its rows rather than once per row, and recording usage can update a row in place.

-- A ledger row's price rows must be prices of the models it names. The foreign keys that said
-- so checked each row on its own (two lookups and row locks per row, a third of an insert's
-- cost); prices are never updated or deleted (prices_are_history), so checking each inserted
-- statement's rows at once, against the distinct pairs they use, guarantees the same.

ALTER TABLE ledger DROP CONSTRAINT ledger_price_id_chosen_model_fkey;
ALTER TABLE ledger DROP CONSTRAINT ledger_reference_price_id_reference_model_fkey;

CREATE FUNCTION ledger_prices_exist() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    missing record;
BEGIN
    SELECT used.id, used.model INTO missing
    FROM (SELECT price_id, chosen_model FROM new_rows
          UNION
          SELECT reference_price_id, reference_model FROM new_rows) AS used (id, model)
    WHERE NOT EXISTS (SELECT FROM prices AS p WHERE p.id = used.id AND p.model = used.model)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'price row % is not a price of model %', missing.id, missing.model
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

-- Statement-level, so its cost is per batch; the rows' price columns cannot change afterwards
-- (ledger_rows_are_final).
CREATE TRIGGER ledger_prices_exist
    AFTER INSERT ON ledger REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_prices_exist();

-- Recording usage updates a row in place: a heap-only update, which touches no index, when its
-- page has room for the new version and no indexed column changes. Half-full pages leave that
-- room; the index of rows awaiting usage (its predicate reads actual_cost) would rule it out,
-- and audit_awaiting_usage reads the table instead.
DROP INDEX ledger_awaiting_usage;
ALTER TABLE ledger SET (fillfactor = 50);

-- A row is final once its usage is recorded, and its decision never changes: checked per
-- statement over the old and new versions at once, rather than by a function call per row.
DROP TRIGGER ledger_rows_are_final ON ledger;
DROP FUNCTION ledger_rows_are_final();

CREATE FUNCTION ledger_rows_are_final() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    decision text;
BEGIN
    SELECT decision_id INTO decision FROM old_rows WHERE usage_recorded_at IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the actual usage of decision % is already recorded; a ledger row is final once it is',
            decision USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- decision_id is unique: an old version whose decision columns are not among the new
    -- versions' is a row whose decision changed. (A set difference: no join on row counts the
    -- planner cannot estimate.)
    SELECT changed.decision_id INTO decision
    FROM (SELECT decision_id, query_id, tenant, decided_at, chosen_model, reference_model, router_version, threshold,
                 strong_win_rate, price_id, reference_price_id, estimated_input_tokens, estimated_output_tokens,
                 estimated_cost, estimated_reference_cost, kafka_topic, kafka_partition, kafka_offset, recorded_at
          FROM old_rows
          EXCEPT
          SELECT decision_id, query_id, tenant, decided_at, chosen_model, reference_model, router_version, threshold,
                 strong_win_rate, price_id, reference_price_id, estimated_input_tokens, estimated_output_tokens,
                 estimated_cost, estimated_reference_cost, kafka_topic, kafka_partition, kafka_offset, recorded_at
          FROM new_rows) AS changed
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'decision % cannot change: only its actual usage may be added', decision
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_rows_are_final
    AFTER UPDATE ON ledger REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_rows_are_final();
