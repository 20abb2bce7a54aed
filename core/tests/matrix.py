from core.testing import OK, Case

CASES = [
    Case("home", expect={p: 200 for p in ["secretary_a", "leader_a", "member_a", "secretary_b", "supervisor_a",
                                           "supervisor_b", "city_supervisor", "observer", "outsider", "sysadmin",
                                           "secadmin", "auditadmin"]}),
    Case("audit_log", expect={"auditadmin": 200}),
    Case("audit_heads", expect={"auditadmin": 200}),
    Case("audit_export", expect={"auditadmin": OK}),
    Case("api_docs", default=200, api=True),
    Case("schema", expect={}, default=200, api=True),
]
