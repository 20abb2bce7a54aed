from core.testing import OK, Case

CASES = [
    Case("accounts:otp", default=302, expect={"anonymous": 302, "sysadmin": 200, "secadmin": 200, "auditadmin": 200}),
    Case("accounts:password_change", default=200),
    Case("accounts:security", expect={"secadmin": 200}),
    Case("accounts:security", method="post", expect={"secadmin": 302}),
    Case("accounts:users", expect={"sysadmin": 200}),
    Case("accounts:users", method="post", expect={"sysadmin": 400}),
    Case("accounts:approvals", expect={"secadmin": 200}),
    Case("accounts:approvals", method="post", expect={"secadmin": 302}),
    Case("accounts:tokens", default=200),
    Case("accounts:tokens", method="post", default=400),
    Case("accounts:tokens_all", expect={"secadmin": 200}),
    Case("accounts:token_revoke", args=lambda w: [999999], method="post", expect={}),
]
_ = OK
