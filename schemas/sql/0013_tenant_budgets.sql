-- A spending limit per tenant, per UTC day or month, and what the route stage does at it:
-- route to the cheapest model only, or dead-letter the tenant's queries (budget_exhausted).
-- Spend is the tenant's billed ledger rows booked in the period (best known cost) plus the
-- route stage's own decisions the ledger has not booked yet.
CREATE TABLE tenant_budgets (
    tenant text PRIMARY KEY CHECK (tenant <> ''),
    period text NOT NULL CHECK (period IN ('day', 'month')),
    limit_usd numeric(20, 6) NOT NULL CHECK (limit_usd >= 0),
    policy text NOT NULL CHECK (policy IN ('cheapest', 'deadletter')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT current_user
);

GRANT SELECT ON tenant_budgets TO {{writer}}, {{auditor}};
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_budgets TO {{price_admin}};
