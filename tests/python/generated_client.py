"""Generates a Python client from the gateway's OpenAPI document with the standard
`openapi-python-client`, as an API client's developer would, and calls three routes with
it: create a person (a JSON body), get them back (an answer with a version), and search
people by department (a query parameter with a space). Then a person who is not there, to
read the error body through the generated Error model. Prints what the generated client
parsed, as JSON, for the C++ integration test to check against what it knows.

Usage: generated_client.py BASE_URL TOKEN WORK_DIR EMPLOYEE_ID
Exits non-zero when the client cannot be generated or a call is not answered as documented.
"""

import importlib
import json
import pathlib
import subprocess
import sys
import urllib.request


def generate(base_url, work_dir):
    document = work_dir / "openapi.json"
    with urllib.request.urlopen(base_url + "/openapi.json") as answer:
        document.write_bytes(answer.read())
    config = work_dir / "config.json"
    # No formatting hooks (they would call ruff from PATH); the package under a fixed name; the
    # upload's file types sent as the bytes they are (the generator's way for media types it
    # has no model for).
    config.write_text(json.dumps({
        "post_hooks": [], "package_name_override": "mentoring_client",
        "content_type_overrides": {"text/csv": "application/octet-stream",
                                   "application/x-ndjson": "application/octet-stream"}}))
    output = work_dir / "client"
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document),
         "--output-path", str(output), "--meta", "none", "--config", str(config), "--overwrite"],
        capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"openapi-python-client failed:\n{run.stdout}\n{run.stderr}")
    # What the generator skipped or could not read, so a test can insist on nothing.
    warnings = [line for line in (run.stdout + run.stderr).splitlines() if "Warning" in line or "ERROR" in line]
    sys.path.insert(0, str(work_dir))
    # --meta none writes the package itself into the output folder.
    (work_dir / "mentoring_client").unlink(missing_ok=True)
    (work_dir / "mentoring_client").symlink_to(output, target_is_directory=True)
    return warnings


def main(base_url, token, work_dir, employee_id):
    work_dir = pathlib.Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    warnings = generate(base_url, work_dir)
    client_module = importlib.import_module("mentoring_client")
    models = importlib.import_module("mentoring_client.models")
    create_person = importlib.import_module("mentoring_client.api.profiles_service.create_person")
    get_person = importlib.import_module("mentoring_client.api.profiles_service.get_person")
    search_people = importlib.import_module("mentoring_client.api.profiles_service.search_people")

    client = client_module.AuthenticatedClient(base_url=base_url, token=token)
    body = models.MentoringProfilesV1PersonInput(
        hr_employee_id=employee_id, display_name="Grace Hopper", email=f"{employee_id.lower()}@example.com",
        career_level=9, time_zone="America/New_York", department="Human Resources", languages=["en"])
    created = create_person.sync_detailed(client=client, body=body)
    if created.status_code != 200:
        sys.exit(f"create_person: {created.status_code} {created.content!r}")
    person = created.parsed
    got = get_person.sync_detailed(client=client, person_id=person.person_id)
    found = search_people.sync_detailed(client=client, department="Human Resources")
    missing = get_person.sync_detailed(client=client, person_id="00000000-0000-7000-8000-000000000000")  # well-formed, nobody
    error = missing.parsed.error if missing.parsed is not None else None
    print(json.dumps({
        "warnings": warnings,
        "created": {"personId": person.person_id, "version": person.version,
                    "class": type(person).__name__},
        "got": {"status": int(got.status_code), "displayName": got.parsed.display_name,
                "department": got.parsed.department, "version": got.parsed.version,
                "etag": got.headers.get("ETag", ""), "class": type(got.parsed).__name__},
        "found": {"status": int(found.status_code),
                  "personIds": [p.person_id for p in (found.parsed.people or [])]},
        "missing": {"status": int(missing.status_code), "class": type(missing.parsed).__name__,
                    "code": error.code if error else None, "reason": error.reason if error else None,
                    "requestId": error.request_id if error else None,
                    "headerRequestId": missing.headers.get("X-Request-Id", "")},
    }))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
