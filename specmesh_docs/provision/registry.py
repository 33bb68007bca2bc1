"""The edge to a schema registry speaking the Confluent REST API (confluent-kafka's client)."""

from __future__ import annotations

from ..errors import SpecError
from ..output import redact_url, remember_settings
from .apply import Result
from .kafka import ClusterError
from .schemas import Registration, SubjectState

NOT_FOUND = (404, 40401, 40402, 40403)
MAX_ANSWER = 64 * 1024 * 1024  # one registry answer, decompressed
MAX_REFERENCES = 200  # schemas one schema may reference, all levels
MAX_VERSIONS = 1000  # versions of one subject verify looks through (the newest)


class AnswerTooLarge(Exception):
    pass


def _bounded_body(response) -> None:
    """httpx response hook: the body read as it is decoded, stopped at MAX_ANSWER (a 200 KiB gzip
    answer can decompress to gigabytes; httpx would hold all of it)."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER:
            response.close()
            raise AnswerTooLarge(f"the answer decompresses to more than {MAX_ANSWER} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what response.read() would have set: .json() reads it


REGISTRY_ENV = "SPECMESH_SCHEMA_REGISTRY_"
CLIENT_KEYS = {"url", "basic.auth.user.info", "ssl.ca.location",
               "ssl.certificate.location", "ssl.key.location", "ssl.key.password", "timeout", "cache.capacity",
               "cache.latest.ttl.sec", "max.retries", "retries.wait.ms", "retries.max.wait.ms", "proxy"}
JAVA_ONLY = {"basic.auth.credentials.source"}  # the Java client's switch; the Python client infers it


def registry_settings(url: str | None, settings: dict[str, str], environ) -> dict[str, str] | None:
    """The registry client's settings: `schema.registry.*` keys of the client properties, then
    SPECMESH_SCHEMA_REGISTRY_* variables; the URL from --schema-registry, else from either.
    None when no URL is given anywhere (schemas are then not provisioned)."""
    conf = {k[len("schema.registry."):]: v for k, v in settings.items() if k.startswith("schema.registry.")}
    for name, value in environ.items():
        if name.startswith(REGISTRY_ENV) and len(name) > len(REGISTRY_ENV):
            conf[name[len(REGISTRY_ENV):].lower().replace("_", ".")] = value
    remember_settings(conf)
    if url:
        conf["url"] = url
    if not conf.get("url"):
        return None
    for key in JAVA_ONLY:
        conf.pop(key, None)
    unknown = sorted(k for k in conf if k not in CLIENT_KEYS and not k.startswith("bearer.auth."))
    if unknown:
        where = getattr(settings, "where", lambda k: None)("schema.registry." + unknown[0])
        raise SpecError(f"schema.registry.{unknown[0]}: not a setting of the schema registry client (it takes "
                        f"{', '.join(sorted(CLIENT_KEYS))})", where)
    return conf


def _missing(exc) -> bool:
    return getattr(exc, "http_status_code", None) == 404 or getattr(exc, "error_code", None) in NOT_FOUND


class Registry:
    def __init__(self, conf: dict[str, str]):
        from confluent_kafka.schema_registry import SchemaRegistryClient

        try:
            self.client = SchemaRegistryClient(conf)
        except Exception as exc:  # ValueError/TypeError on a malformed or conflicting setting
            raise SpecError(f"schema registry settings: {exc}") from None
        self.requests = 0
        self.url = redact_url(conf.get("url")) or ""
        session = getattr(getattr(self.client, "_rest_client", None), "session", None)
        if session is not None:  # every answer read within MAX_ANSWER
            session.event_hooks["response"] = [*session.event_hooks.get("response", []), _bounded_body]

    def _schema(self, reg: Registration, versions: dict[str, int] | None = None):
        from confluent_kafka.schema_registry import Schema, SchemaReference

        refs = [SchemaReference(name, subject, (versions or {}).get(subject) or self._latest(subject) or 1)
                for name, subject in reg.references]
        return Schema(reg.text, reg.schema_type, references=refs)

    def _call(self, what: str, fn, missing_ok: bool = False):
        """`missing_ok`: a 404 means "no such subject or version" (None). Only lookups say so: on
        register, compatibility or config calls a 404 is a failure (a wrong API root answers 404 too)."""
        self.requests += 1
        try:
            return fn()
        except Exception as exc:
            if missing_ok and _missing(exc):
                return None
            raise ClusterError(self._explain(exc, what)) from None

    def check_root(self) -> None:
        """One request before planning: a URL without the API path must not read as "no subjects"."""
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        self.requests += 1
        try:
            subjects = self.client.get_subjects()
        except SchemaRegistryError as exc:
            if getattr(exc, "http_status_code", None) == 404:
                raise ClusterError(
                    f"schema registry at {self.url}: no Confluent-compatible API there (HTTP 404 on GET /subjects); "
                    "the URL is the API root: Confluent and Karapace serve it at the server root, Apicurio at "
                    "/apis/ccompat/v7 (2.x also /apis/ccompat/v6)", kind="usage") from None
            raise ClusterError(self._explain(exc, "list subjects")) from None
        except Exception as exc:
            raise ClusterError(self._explain(exc, "list subjects")) from None
        if not isinstance(subjects, list):
            raise ClusterError(f"schema registry at {self.url}: GET /subjects did not answer a list of subjects; "
                               "is this the registry's API root?", kind="usage")

    def confirm(self, changes) -> list[str]:
        """What the applied schema changes left unserved: a registered version the registry does not
        find, a level it does not report, a deleted subject still listed."""
        missing = []
        deleted = [c.name for c in changes if c.action == "delete"]
        if deleted:  # soft-deleted: gone from the listing (a registry may still serve a version by number)
            live = set(self._call("list subjects", self.client.get_subjects) or [])
            missing += [f"{name} (still listed)" for name in deleted if name in live]
        for change in changes:
            after = change.after or {}
            if change.action == "delete":
                continue
            if "schema" in after:
                reg = Registration(after["subject"], after["type"], after["schema"],
                                   [(r["name"], r["subject"]) for r in after["references"]])
                schema = self._schema(reg)
                found = self._call(f"look up {reg.subject}", lambda: self.client.lookup_schema(reg.subject, schema),
                                   missing_ok=True)
                if found is None:
                    missing.append(f"{reg.subject} (version not found)")
                    continue
            if after.get("compatibility"):
                level = self._call(f"compatibility level of {change.name}",
                                   lambda: self.client.get_compatibility(change.name), missing_ok=True)
                if level != after["compatibility"]:
                    missing.append(f"{change.name} (level {level or 'unset'}, not {after['compatibility']})")
        return missing

    def _explain(self, exc: Exception, what: str) -> str:
        status = getattr(exc, "http_status_code", None)
        if status == 401:
            return f"schema registry at {self.url}: authentication failed (HTTP 401) on {what}"
        if status == 404:
            return f"schema registry at {self.url}: {what}: not found (HTTP 404): is the URL the registry's API root?"
        if status == 403:
            return f"schema registry at {self.url}: not authorised to {what} (HTTP 403)"
        text = str(exc)
        if "Connection refused" in text or "ConnectError" in type(exc).__name__:
            return f"cannot connect to the schema registry at {self.url}: connection refused"
        if "timed out" in text.lower() or "Timeout" in type(exc).__name__:
            return f"cannot connect to the schema registry at {self.url}: no answer in time"
        return f"schema registry: {what}: {getattr(exc, 'error_message', None) or exc}"

    def _latest(self, subject: str) -> int | None:
        found = self._call(f"latest version of {subject}", lambda: self.client.get_latest_version(subject),
                           missing_ok=True)
        return found.version if found is not None else None

    def observe(self, regs: list[Registration], planned_new: set[str], level: str | None = None) -> dict[str, SubjectState]:
        """What the registry holds for each registration. `level`: the plan's default level; a subject
        whose level the plan changes is not asked about compatibility at its old level (apply sets the
        new level first, and the registry then checks the version at it)."""
        states: dict[str, SubjectState] = {}
        for reg in regs:
            state = SubjectState(latest=self._latest(reg.subject))
            if state.latest is not None and reg.owned:
                state.compatibility = self._call(f"compatibility level of {reg.subject}",
                                                 lambda: self.client.get_compatibility(reg.subject), missing_ok=True)
                want = reg.compatibility or level
                if any(subject in planned_new for _, subject in reg.references):
                    state.compatible = None  # its references are not registered yet: nothing to compare with
                else:
                    schema = self._schema(reg)
                    found = self._call(f"look up {reg.subject}", lambda: self.client.lookup_schema(reg.subject, schema),
                                       missing_ok=True)
                    state.same = found.version if found is not None else self._same_as_latest(reg)
                    if state.same is None and not (want and state.compatibility and want != state.compatibility):
                        state.compatible = self._call(f"compatibility of {reg.subject}",
                                                      lambda: self.client.test_compatibility(reg.subject, schema))
            elif state.latest is None and reg.owned:
                planned_new.add(reg.subject)
            states[reg.subject] = state
        return states

    def _same_as_latest(self, reg: Registration) -> int | None:
        """The latest version when it is this schema in another layout (a registry's lookup compares
        text: an exported, pretty-printed schema is not found, and registering it again would add a
        version with nothing new in it)."""
        latest = self._call(f"latest version of {reg.subject}", lambda: self.client.get_latest_version(reg.subject),
                            missing_ok=True)
        if latest is None or (latest.schema.schema_type or "AVRO") != reg.schema_type:
            return None
        refs = sorted((r.name, r.subject) for r in latest.schema.references or [])
        if refs != sorted(reg.references):
            return None
        from ..compat import canonical

        return latest.version if canonical(latest.schema.schema_str, reg.schema_type) == canonical(reg.text, reg.schema_type) \
            else None

    def versions_of(self, subject: str, transitive: bool) -> list[tuple[str, str, dict[str, str]]]:
        """Registered versions, oldest first (the latest only unless `transitive`): (type, text,
        {referenced name: its text}), for the offline checker."""
        numbers = self._call(f"versions of {subject}", lambda: self.client.get_versions(subject),
                             missing_ok=True) or []
        out = []
        for number in sorted(numbers) if transitive else sorted(numbers)[-1:]:
            found = self._call(f"version {number} of {subject}", lambda n=number: self.client.get_version(subject, n),
                               missing_ok=True)
            if found is None:
                continue
            named = {}
            for ref in found.schema.references or []:
                target = self._call(f"reference {ref.subject}", lambda r=ref: self.client.get_version(r.subject, r.version),
                                    missing_ok=True)
                if target is not None:
                    named[ref.name] = target.schema.schema_str
            out.append((found.schema.schema_type or "AVRO", found.schema.schema_str, named))
        return out

    def latest_schema(self, subject: str):
        """The latest registered schema of a subject with the schemas it references (for export)."""
        from ..export.document import RegistrySchema

        found = self._call(f"latest version of {subject}", lambda: self.client.get_latest_version(subject),
                           missing_ok=True)
        if found is None:
            return None
        refs = []
        for ref in found.schema.references or []:
            target = self._call(f"reference {ref.subject}", lambda r=ref: self.client.get_version(r.subject, r.version),
                                    missing_ok=True)
            if target is not None:
                refs.append((ref.name, RegistrySchema(ref.subject, target.schema.schema_type or "AVRO",
                                                      target.schema.schema_str)))
        return RegistrySchema(subject, found.schema.schema_type or "AVRO", found.schema.schema_str, refs)

    def schema_by_id(self, schema_id: int):
        """(type, text, {referenced name: text}) of the schema registered under `schema_id`, None
        when the registry does not know the id (for `specmesh verify`). References are followed to
        MAX_REFERENCES schemas at most, each once."""
        found = self._call(f"schema id {schema_id}", lambda: self.client.get_schema(schema_id), missing_ok=True)
        if found is None:
            return None
        named: dict[str, str] = {}
        work = list(found.references or [])
        while work and len(named) < MAX_REFERENCES:
            ref = work.pop()
            if ref.name in named:
                continue
            target = self._call(f"reference {ref.subject}", lambda r=ref: self.client.get_version(r.subject, r.version),
                                missing_ok=True)
            if target is not None:
                named[ref.name] = target.schema.schema_str
                work += target.schema.references or []
        return found.schema_type or "AVRO", found.schema_str, named

    def ids_of(self, subject: str) -> set[int]:
        """The schema id of every version under `subject` (none when it does not exist)."""
        numbers = self._call(f"versions of {subject}", lambda: self.client.get_versions(subject), missing_ok=True) or []
        ids = set()
        for number in sorted(n for n in numbers if isinstance(n, int))[-MAX_VERSIONS:]:  # a hostile list stays bounded
            found = self._call(f"version {number} of {subject}", lambda n=number: self.client.get_version(subject, n),
                               missing_ok=True)
            if found is not None:
                ids.add(found.schema_id)
        return ids

    def digest_state(self, subjects: list[str]) -> dict[str, int | None]:
        return {s: self._latest(s) for s in sorted(subjects)}

    def subjects_under(self, prefixes: list[str]) -> list[str]:
        """Live (not soft-deleted) subjects whose name starts with one of the prefixes."""
        subjects = self._call("list subjects", self.client.get_subjects) or []
        return sorted(s for s in subjects if any(s.startswith(p) for p in prefixes))

    def apply(self, changes) -> list[Result]:
        """Registers in plan order (references first); sets each subject's compatibility level."""
        results = []
        for change in changes:
            after = change.after
            try:
                if change.action == "delete":  # soft: the versions stay readable by id, as SpecMesh's clean-up
                    self._call(f"delete {change.name}", lambda: self.client.delete_subject(change.name, permanent=False),
                               missing_ok=True)
                    results.append(Result(change))
                    continue
                level_first = change.action == "update" and after.get("compatibility") and "schema" in after
                if level_first:  # a new level for an existing subject holds for the version registered with it
                    self._call(f"set compatibility of {change.name}",
                               lambda: self.client.set_compatibility(change.name, after["compatibility"]))
                if "schema" in after:
                    reg = Registration(after["subject"], after["type"], after["schema"],
                                       [(r["name"], r["subject"]) for r in after["references"]])
                    schema = self._schema(reg)
                    self._call(f"register {reg.subject}", lambda: self.client.register_schema(reg.subject, schema))
                if after.get("compatibility") and not level_first:
                    self._call(f"set compatibility of {change.name}",
                               lambda: self.client.set_compatibility(change.name, after["compatibility"]))
                results.append(Result(change))
            except ClusterError as exc:
                results.append(Result(change, exc.message))
        return results
