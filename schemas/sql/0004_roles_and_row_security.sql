-- What each role may do ({{writer}}, {{auditor}} and {{tenant_reader}} are the configured role
-- names), and row-level security so a tenant-scoped role reads its tenants' rows only.

-- Which tenants a tenant-scoped role may read: a member of {{tenant_reader}} sees the rows of
-- every tenant mapped here to a role it belongs to (itself, or a group of it).
CREATE TABLE tenant_members (
    member_role text NOT NULL,
    tenant text NOT NULL,
    PRIMARY KEY (member_role, tenant)
);

-- The writer (the ledger stage): appends decisions and prices, records actual usage, keeps
-- its consumer offsets. No DELETE anywhere; no UPDATE of what was decided or estimated.
GRANT SELECT, INSERT ON prices, ledger TO {{writer}};
GRANT UPDATE (actual_input_tokens, actual_output_tokens, actual_cost, actual_reference_cost,
              usage_recorded_at, usage_topic, usage_partition, usage_offset) ON ledger TO {{writer}};
GRANT SELECT, INSERT, UPDATE ON consumer_offsets TO {{writer}};
GRANT SELECT ON current_prices TO {{writer}};

-- The auditor reads everything and writes nothing.
GRANT SELECT ON prices, current_prices, ledger, consumer_offsets, ledger_daily, audit_decisions,
                audit_awaiting_usage, audit_tenant_daily, tenant_members, schema_migrations,
                schema_settings TO {{auditor}};

-- A tenant-scoped role reads prices, and its tenants' decisions and totals.
GRANT SELECT ON prices, current_prices, ledger, ledger_daily, audit_decisions, audit_awaiting_usage,
                audit_tenant_daily, tenant_members TO {{tenant_reader}};

ALTER TABLE ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE ledger_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_members ENABLE ROW LEVEL SECURITY;

CREATE POLICY writer_reads ON ledger FOR SELECT TO {{writer}} USING (true);
CREATE POLICY writer_appends ON ledger FOR INSERT TO {{writer}} WITH CHECK (true);
CREATE POLICY writer_records_usage ON ledger FOR UPDATE TO {{writer}} USING (true) WITH CHECK (true);

CREATE POLICY auditor_reads ON ledger FOR SELECT TO {{auditor}} USING (true);
CREATE POLICY auditor_reads ON ledger_daily FOR SELECT TO {{auditor}} USING (true);
CREATE POLICY auditor_reads ON tenant_members FOR SELECT TO {{auditor}} USING (true);

-- The mappings of the roles the current role belongs to; the two policies below read
-- tenant_members through this one.
CREATE POLICY own_memberships ON tenant_members FOR SELECT TO {{tenant_reader}}
    USING (EXISTS (SELECT FROM pg_roles AS r
                   WHERE r.rolname = member_role AND pg_has_role(current_user, r.oid, 'USAGE')));
CREATE POLICY tenant_reads ON ledger FOR SELECT TO {{tenant_reader}}
    USING (tenant IN (SELECT tenant FROM tenant_members));
CREATE POLICY tenant_reads ON ledger_daily FOR SELECT TO {{tenant_reader}}
    USING (tenant IN (SELECT tenant FROM tenant_members));
