"""Checks SCIM bulk requests with scim2-models, an independent implementation of RFC 7643/7644.

Usage: python scim2_models_check.py FILE...   (each FILE holds one BulkRequest)
Prints one line per problem and exits 1 if there is any. scim2-models does not raise for a bad
operation: it sets the operation's `status` and `response`, so those are checked too.
"""
import json
import sys

from scim2_models import BulkRequest, Context, EnterpriseUser, Group, PatchOp, User

problems = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        request = BulkRequest[User[EnterpriseUser] | Group].model_validate_json(text, scim_ctx=Context.BULK_REQUEST)
    except Exception as err:  # noqa: BLE001 - report whatever the oracle refuses
        problems.append(f"{path}: refused: {err}")
        continue
    raw_ops = json.loads(text)["Operations"]
    for i, op in enumerate(request.operations):
        if op.status is not None or op.response is not None:
            problems.append(f"{path}: operation {i}: {op.status} {op.response}")
        raw = raw_ops[i]
        if raw["method"] == "PATCH":
            try:
                PatchOp[User[EnterpriseUser]].model_validate(raw["data"], scim_ctx=Context.RESOURCE_PATCH_REQUEST)
            except Exception as err:  # noqa: BLE001
                if raw["path"].startswith("/Groups"):
                    try:
                        PatchOp[Group].model_validate(raw["data"], scim_ctx=Context.RESOURCE_PATCH_REQUEST)
                        continue
                    except Exception as group_err:  # noqa: BLE001
                        err = group_err
                problems.append(f"{path}: operation {i} PatchOp refused: {err}")
        elif raw["method"] in ("POST", "PUT"):
            resource = Group if raw["path"].startswith("/Groups") else User[EnterpriseUser]
            context = Context.RESOURCE_CREATION_REQUEST if raw["method"] == "POST" else Context.RESOURCE_REPLACEMENT_REQUEST
            try:
                resource.model_validate(raw["data"], scim_ctx=context)
            except Exception as err:  # noqa: BLE001
                problems.append(f"{path}: operation {i} data refused: {err}")

for p in problems:
    print(p)
print(f"scim2-models checked {len(sys.argv) - 1} request(s): {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
