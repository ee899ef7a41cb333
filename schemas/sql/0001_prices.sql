-- Prices of the models, in US dollars per million tokens.
--
-- A price change is a new row with a later effective_from; rows are never updated or deleted,
-- so every ledger row keeps pointing at the price it was computed with.

DO $$
BEGIN
    -- Views run with the privileges and row security of their caller (security_invoker).
    IF current_setting('server_version_num')::integer < 150000 THEN
        RAISE EXCEPTION 'RouteLedger needs PostgreSQL 15 or newer; this server is %',
            current_setting('server_version');
    END IF;
END
$$;

CREATE TABLE prices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model text NOT NULL CHECK (model <> ''),
    input_usd_per_million numeric(20, 6) NOT NULL CHECK (input_usd_per_million >= 0),
    output_usd_per_million numeric(20, 6) NOT NULL CHECK (output_usd_per_million >= 0),
    effective_from timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (model, effective_from),
    -- Lets a ledger row require that its price row is for the model it names.
    UNIQUE (id, model)
);

CREATE FUNCTION prices_are_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'prices are never changed or deleted: add a row with a later effective_from'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER prices_are_history
    BEFORE UPDATE OR DELETE OR TRUNCATE ON prices
    FOR EACH STATEMENT EXECUTE FUNCTION prices_are_history();

-- The price in force now for each model.
CREATE VIEW current_prices WITH (security_invoker = true) AS
SELECT DISTINCT ON (model) id, model, input_usd_per_million, output_usd_per_million, effective_from
FROM prices
WHERE effective_from <= now()
ORDER BY model, effective_from DESC;
