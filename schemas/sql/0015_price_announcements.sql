-- Route stages estimate each decision at the price book's price in effect at its decision time
-- and take a new price without a restart: every statement that adds prices announces it on the
-- channel routeledger_prices when its transaction commits, so a listener that hears it finds
-- the rows. The payload is empty: listeners read what is new from the table (and look now and
-- then anyway, since a notification sent while one was disconnected is lost). Rows added by
-- hand with psql are announced too.

CREATE FUNCTION announce_prices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('routeledger_prices', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER prices_announced
    AFTER INSERT ON prices
    FOR EACH STATEMENT EXECUTE FUNCTION announce_prices();
