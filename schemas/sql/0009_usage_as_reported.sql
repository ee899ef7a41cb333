-- A usage report is real spend even when it disagrees with its decision about the model that
-- answered (a worker that fell back to another model, or a query decided twice) or about the
-- query: it is booked, its actual cost priced at the model the worker names, and the row keeps
-- what differed. Reports that wait for a decision that never comes expire from the holding table.

ALTER TABLE ledger
    -- The model the usage report names, when it is not the chosen model, and the price row
    -- (of that model, in effect at decision time) its actual cost was priced at.
    ADD COLUMN usage_model text,
    ADD COLUMN usage_price_id bigint,
    -- The query id the usage report names, when it is not the decision's.
    ADD COLUMN usage_query_id text,
    ADD CONSTRAINT ledger_usage_model_priced CHECK ((usage_model IS NULL) = (usage_price_id IS NULL)),
    ADD CONSTRAINT ledger_usage_differences_need_usage
        CHECK ((usage_model IS NULL AND usage_query_id IS NULL) OR actual_cost IS NOT NULL);

-- Every price row a row names must be a price of the model it prices, the reported model's
-- included, whether the row is inserted complete or its usage is added later.
CREATE OR REPLACE FUNCTION ledger_prices_exist() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    missing record;
BEGIN
    SELECT used.id, used.model INTO missing
    FROM (SELECT price_id, chosen_model FROM new_rows
          UNION
          SELECT reference_price_id, reference_model FROM new_rows
          UNION
          SELECT usage_price_id, usage_model FROM new_rows WHERE usage_price_id IS NOT NULL) AS used (id, model)
    WHERE NOT EXISTS (SELECT FROM prices AS p WHERE p.id = used.id AND p.model = used.model)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'price row % is not a price of model %', missing.id, missing.model
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ledger_usage_prices_exist
    AFTER UPDATE ON ledger REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_prices_exist();

GRANT UPDATE (usage_model, usage_price_id, usage_query_id) ON ledger TO {{writer}};

-- The expiry of waiting reports reads them by age.
CREATE INDEX usage_awaiting_decision_by_age ON usage_awaiting_decision (received_at);
