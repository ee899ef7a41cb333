-- One view per question a finance team asks of the ledger. Every one books by request time
-- (decision time for rows from before 0011), in UTC, counts superseded decisions in nothing, and
-- reads through row-level security (security_invoker), so a tenant reader sees its tenants only.

-- What each tenant was billed per month: requests, tokens, cost, what the strongest model
-- would have cost, and the difference. From the daily totals, so it reads a few rows per day.
CREATE VIEW finance_monthly_statement WITH (security_invoker = true) AS
SELECT date_trunc('month', day)::date AS month, tenant,
       sum(decisions)::bigint AS requests,
       sum(decisions_with_usage)::bigint AS requests_with_usage,
       sum(input_tokens)::bigint AS input_tokens,
       sum(output_tokens)::bigint AS output_tokens,
       sum(cost) AS cost,
       sum(reference_cost) AS strong_only_cost,
       sum(savings) AS savings
FROM ledger_daily
GROUP BY 1, 2
-- A day whose decisions were all superseded keeps a rollup row of zeros.
HAVING sum(decisions) <> 0;

-- Savings against sending everything to the strongest (reference) model, per tenant and month:
-- how often the router still chose it, what it cost, what always-strong would have cost.
CREATE VIEW finance_savings_against_strong WITH (security_invoker = true) AS
SELECT date_trunc('month', booked_at AT TIME ZONE 'UTC')::date AS month, tenant,
       count(*) AS requests,
       count(*) FILTER (WHERE chosen_model = reference_model) AS strong_requests,
       round(100.0 * count(*) FILTER (WHERE chosen_model = reference_model) / count(*), 2) AS strong_percent,
       sum(cost) AS cost,
       sum(reference_cost) AS strong_only_cost,
       sum(savings) AS savings,
       round(100 * sum(savings) / nullif(sum(reference_cost), 0), 2) AS savings_percent
FROM audit_decisions
WHERE superseded_at IS NULL
GROUP BY 1, 2;

-- Spend per tag value, per tenant and month. Every tag key used in a tenant's month has a row
-- per value and one with value NULL for that month's decisions without the key, so the rows of
-- one key add up to the month's total.
CREATE VIEW finance_spend_by_tag WITH (security_invoker = true) AS
WITH billed AS (
    SELECT date_trunc('month', booked_at AT TIME ZONE 'UTC')::date AS month, tenant, tags, cost, reference_cost, savings
    FROM audit_decisions
    WHERE superseded_at IS NULL
), keys AS (
    SELECT DISTINCT month, tenant, key FROM billed, jsonb_object_keys(tags) AS key
)
SELECT b.month, b.tenant, k.key AS tag, b.tags ->> k.key AS value,
       count(*) AS requests, sum(b.cost) AS cost, sum(b.reference_cost) AS strong_only_cost, sum(b.savings) AS savings
FROM billed AS b
JOIN keys AS k ON k.month = b.month AND k.tenant = b.tenant
GROUP BY 1, 2, 3, 4;

-- Each budgeted tenant's limit against what the ledger booked in the current period. The route
-- stage reads its booked spend from here too, so the two cannot count differently.
CREATE VIEW finance_budget_status WITH (security_invoker = true) AS
SELECT b.tenant, b.period, b.limit_usd, b.policy,
       date_trunc(b.period, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start,
       coalesce(spent.booked, 0) AS booked,
       b.limit_usd - coalesce(spent.booked, 0) AS remaining
FROM tenant_budgets AS b
LEFT JOIN LATERAL (
    SELECT sum(coalesce(l.actual_cost, l.estimated_cost)) AS booked
    FROM ledger AS l
    WHERE l.tenant = b.tenant AND l.superseded_at IS NULL
      AND coalesce(l.requested_at, l.decided_at) >= date_trunc(b.period, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
) AS spent ON true;

GRANT SELECT ON finance_monthly_statement, finance_savings_against_strong, finance_spend_by_tag,
                finance_budget_status TO {{auditor}};
GRANT SELECT ON finance_monthly_statement, finance_savings_against_strong, finance_spend_by_tag TO {{tenant_reader}};
GRANT SELECT ON finance_budget_status TO {{writer}};
