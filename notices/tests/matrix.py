from core.testing import Case

# The delivery log: the system administrator (without the notices' text) and each group's managers.
CASES = [
    Case("notices:deliveries", expect={"secretary_a": 200, "leader_a": 200, "secretary_b": 200, "sysadmin": 200}),
]
