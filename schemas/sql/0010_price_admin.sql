-- Prices are written by the price administrators only. A writer that could add a price row
-- could add one of $0 dated in the past, and every decision after its date would be priced at
-- it: the role that records what was spent must not also set what things cost.

REVOKE INSERT ON prices FROM {{writer}};
GRANT SELECT, INSERT ON prices TO {{price_admin}};
GRANT SELECT ON current_prices TO {{price_admin}};
