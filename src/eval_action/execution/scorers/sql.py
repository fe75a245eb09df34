"""`is-sql` and `contains-sql`: promptfoo's SQL checks, with sqlglot as the parser.

promptfoo parses with node-sql-parser in the dialect of `databaseType` (default MySQL) and checks
the statement's tables and columns against `allowedTables`/`allowedColumns`: node-sql-parser's
`{statement}::{db|table}::{name}` authorities, each a case-insensitive regex (`null` where the SQL
names no database or table). sqlglot parses more loosely than node-sql-parser, so the checks it
skips that promptfoo's cases rely on are made here: a bare expression is no statement, `DELETE`
needs `FROM`, a reserved word is no bare table or column name, MySQL has no `ILIKE` and only MySQL
has `LOCK IN SHARE MODE`. promptfoo's own heuristics (a likely missing comma, odd backticks, `generate_series` on
MySQL) are ported as they are.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from eval_action.execution.scorers._common import is_templated, output_starts, user_regex
from eval_action.execution.scorers.base import ScoreContext, ScorerDef, ScorerError
from eval_action.model.results import Score
from eval_action.model.specs import ScorerSpec

if TYPE_CHECKING:
    from sqlglot import exp

# node-sql-parser's database names (it lowers them) → sqlglot's dialects
DIALECTS = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgres", "bigquery": "bigquery",
            "hive": "hive", "redshift": "redshift", "sqlite": "sqlite", "transactsql": "tsql",
            "snowflake": "snowflake", "athena": "athena", "trino": "trino"}
_KEYS = ("databaseType", "allowedTables", "allowedColumns")
_MYSQL_FAMILY = ("mysql", "mariadb")
_BRACKETS = ("transactsql", "sqlite")
# promptfoo's missing-comma heuristic: `SELECT a b FROM` (after literals and comments are blanked)
_STANDARD_MODIFIERS = "(?:all|distinct)"
_MYSQL_MODIFIERS = ("(?:all|distinct(?:row)?|high_priority|straight_join|sql_(?:big_result|buffer_result|cache|"
                    "calc_found_rows|no_cache|small_result))")
_IDENT = "[A-Za-z_][A-Za-z0-9_]*"


def _missing_comma(modifiers: str) -> re.Pattern[str]:
    return re.compile(rf"\bselect\s+(?:{modifiers}\s+)*(?!{modifiers}\b){_IDENT}\s+{_IDENT}\s+from\b", re.I)


_MISSING_COMMA = {"standard": _missing_comma(_STANDARD_MODIFIERS), "mysql": _missing_comma(_MYSQL_MODIFIERS)}
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")
_GENERATE_SERIES = re.compile(r"\bgenerate_series\s*\(", re.I)
# words no dialect takes as a bare table or column name
_RESERVED = frozenset({"select", "from", "where", "group", "order", "by", "having", "insert", "update",
                       "delete", "into", "values", "set", "table", "join", "union", "create", "drop", "alter"})
_FENCE_START = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\r\n]*)$")
_FENCE_END = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$")


def _options(spec: ScorerSpec) -> tuple[str, list[str] | None, list[str] | None]:
    value = spec.value
    if value is None:
        return "MySQL", None, None
    if not isinstance(value, dict):
        raise ScorerError(f"{spec.type} takes a mapping as `value` ({{databaseType, allowedTables, "
                          "allowedColumns}), or none")
    unknown = [k for k in value if k not in _KEYS]
    if unknown:
        raise ScorerError(f"{spec.type}: unknown key `{unknown[0]}` in `value` — use {', '.join(_KEYS)}")
    database = value.get("databaseType") or "MySQL"
    if not isinstance(database, str) or database.lower() not in DIALECTS:
        raise ScorerError(f"{spec.type}: databaseType {database!r} is not supported — use one of MySQL, MariaDB, "
                          "PostgreSQL, BigQuery, Hive, Redshift, Sqlite, TransactSQL, Snowflake, Athena, Trino")
    lists = [value.get(k) for k in _KEYS[1:]]
    for key, items in zip(_KEYS[1:], lists, strict=True):
        if items is not None and not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
            raise ScorerError(f"{spec.type}: `{key}` must be a list of `statement::table::name` patterns")
        for item in items or []:
            try:
                user_regex(item, re.I)
            except ScorerError as e:
                raise ScorerError(f"{spec.type}: `{key}`: {e}") from None
    return database, lists[0], lists[1]


def _blank_literals(sql: str, database: str) -> str:
    """promptfoo's stripIgnoredSqlText: quoted text becomes ` ? `, comments a space."""
    out, i, n = [], 0, len(sql)
    brackets = database.lower() in _BRACKETS
    while i < n:
        ch = sql[i]
        if ch in "'\"`" or (ch == "[" and brackets):
            close, j = ("]" if ch == "[" else ch), i + 1
            while j < n:
                if close != "]" and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == close:
                    if j + 1 < n and sql[j + 1] == close:
                        j += 2
                        continue
                    j += 1
                    break
                j += 1
            out.append(" ? ")
            i = min(j, n)
        elif sql.startswith("--", i) or ch == "#":
            j = i
            while j < n and sql[j] not in "\r\n":
                j += 1
            out.append(" ")
            i = j
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            out.append(" ")
            i = n if end == -1 else end + 2
        elif ch == "$" and (m := _DOLLAR_QUOTE.match(sql, i)):
            end = sql.find(m.group(), m.end())
            out.append(" ? ")
            i = n if end == -1 else end + len(m.group())
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _syntax_ok(sql: str, database: str) -> tuple[bool, list[exp.Expr]]:
    """promptfoo's heuristics, then a strict parse in the dialect; the statements when it parses."""
    text = sql.strip()
    family = "mysql" if database.lower() in _MYSQL_FAMILY else "standard"
    if not text or text.count("`") % 2 or _MISSING_COMMA[family].search(_blank_literals(text, database)):
        return False, []
    if family == "mysql" and _GENERATE_SERIES.search(text):
        return False, []
    import sqlglot  # here, not at the top: it costs start-up, and few evals check SQL
    from sqlglot import exp

    dialect = DIALECTS[database.lower()]
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return False, []
    if not statements or not all(_is_statement(s) for s in statements):
        return False, []
    for s in statements:
        if family == "mysql" and s.find(exp.ILike) is not None:
            return False, []
        if any(not select.expressions for select in s.find_all(exp.Select)):
            return False, []  # `FROM select WHERE …` parses as a subquery selecting nothing
        if any(i.name.lower() in _RESERVED for i in s.find_all(exp.Identifier) if not i.quoted):
            return False, []
    return not _foreign_forms(sql, dialect), statements


def _foreign_forms(sql: str, dialect: str) -> bool:
    """Forms sqlglot accepts in every dialect that node-sql-parser refuses: `DELETE t WHERE …` without
    FROM (SQL Server's, refused there even for TransactSQL) and MySQL's `LOCK IN SHARE MODE` elsewhere."""
    import sqlglot
    from sqlglot import TokenType

    quoted = (TokenType.STRING, TokenType.IDENTIFIER)  # a string or quoted name saying DELETE is data
    words = [t.text.upper() if t.token_type not in quoted else "" for t in sqlglot.tokenize(sql, read=dialect)]
    if dialect != "mysql" and any(words[i:i + 4] == ["LOCK", "IN", "SHARE", "MODE"] for i in range(len(words))):
        return True
    deleting = False
    for word in words:
        if word == "DELETE":
            deleting = True
        elif deleting and word == "FROM":
            deleting = False
        elif deleting and word in ("WHERE", ";"):
            return True
    return deleting


def _is_statement(node: exp.Expr) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.Query | exp.DML | exp.DDL | exp.Command | exp.Transaction | exp.Commit
                      | exp.Rollback | exp.Use | exp.Set | exp.Describe | exp.Pragma)


def _kind(statement: exp.Expr) -> str:
    return type(statement).__name__.lower() if type(statement).__name__ in ("Insert", "Update", "Delete") \
        else "select"


def _target(statement: exp.Expr) -> exp.Table | None:
    from sqlglot import exp

    this = statement.args.get("this")
    if isinstance(this, exp.Schema):
        this = this.this
    return this if isinstance(this, exp.Table) else None


def table_list(statements: list[exp.Expr]) -> list[str]:
    """node-sql-parser's `{statement}::{db}::{table}` for every table the SQL names."""
    from sqlglot import exp

    found: list[str] = []
    for s in statements:
        target = _target(s) if _kind(s) != "select" else None
        for table in s.find_all(exp.Table):
            if not table.name:
                continue
            kind = _kind(s) if table is target else "select"
            item = f"{kind}::{table.db or 'null'}::{table.name}"
            if item not in found:
                found.append(item)
    return found


def column_list(statements: list[exp.Expr]) -> list[str]:
    """node-sql-parser's `{statement}::{table}::{column}` (`null` when unqualified; `(.*)` for `*`)."""
    from sqlglot import exp

    found: list[str] = []

    def add(item: str) -> None:
        if item not in found:
            found.append(item)

    for s in statements:
        kind, target = _kind(s), _target(s)
        aliases = {t.alias_or_name: t.name for t in s.find_all(exp.Table)}
        if kind == "insert" and isinstance(s.args.get("this"), exp.Schema) and target is not None:
            for ident in s.this.expressions:
                add(f"insert::{target.name}::{ident.name}")
        if kind == "update" and target is not None:
            for assignment in s.expressions:
                if isinstance(assignment.this, exp.Column):
                    add(f"update::{target.name}::{assignment.this.name}")
        set_targets = {id(a.this) for a in s.expressions} if kind == "update" else set()
        for column in s.find_all(exp.Column):
            if id(column) in set_targets:
                continue
            table = aliases.get(column.table, column.table) if column.table else "null"
            name = "(.*)" if isinstance(column.this, exp.Star) else column.name
            add(f"select::{table}::{name}")
        if any(isinstance(e, exp.Star) for e in getattr(s, "expressions", [])) and kind == "select":
            add("select::null::(.*)")
    return found


def _outside(items: list[str], allowed: list[str]) -> list[str]:
    return [item for item in items if not any(user_regex(a, re.I).fullmatch(item) for a in allowed)]


def _columns_allowed(allowed: list[str]) -> list[str]:
    """promptfoo also accepts `stmt::null::col` for each `stmt::table::col` it is given."""
    out = list(allowed)
    for item in allowed:
        parts = item.split("::")
        if len(parts) == 3 and parts[1] != "null" and (alt := f"{parts[0]}::null::{parts[2]}") not in out:
            out.append(alt)
    return out


def check_sql(sql: str, spec: ScorerSpec) -> str | None:
    """Why `sql` fails promptfoo's is-sql, or None when it passes."""
    database, tables, columns = _options(spec)
    ok, statements = _syntax_ok(sql, database)
    if not ok:
        return f"SQL statement does not conform to the provided {database} database syntax"
    if tables is not None:
        found = table_list(statements)
        if _outside(found, tables):
            return (f"SQL references unauthorized table(s). Found: [{', '.join(found)}]. "
                    f"Allowed: [{', '.join(tables)}]")
    if columns is not None:
        found = column_list(statements)
        if _outside(found, _columns_allowed(columns)):
            return (f"SQL references unauthorized column(s). Found: [{', '.join(found)}]. "
                    f"Allowed: [{', '.join(columns)}]")
    return None


async def is_sql(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    problem = check_sql(ctx.output, spec)
    if problem is None:
        return Score(score=1.0, passed=True, reason="output is valid SQL")
    return Score(score=0.0, passed=False, reason=f"{problem}; {output_starts(ctx.output)}")


def sql_blocks(output: str) -> list[str]:
    """The bodies of ```sql (or unlabelled) fences, as promptfoo finds them."""
    blocks: list[str] = []
    active: tuple[str, int, bool, list[str]] | None = None
    for line in re.split(r"\r\n?|\n", output):
        if active is None:
            opening = _FENCE_START.match(line)
            if opening:
                language = opening.group(2).strip().lower()
                active = (opening.group(1)[0], len(opening.group(1)), language in ("", "sql"), [])
            continue
        closing = _FENCE_END.match(line)
        if closing and closing.group(1)[0] == active[0] and len(closing.group(1)) >= active[1]:
            if active[2]:
                blocks.append("\n".join(active[3]).strip())
            active = None
        else:
            active[3].append(line)
    return blocks


async def contains_sql(spec: ScorerSpec, ctx: ScoreContext) -> Score:
    """Any fenced SQL block (or, without one, the whole output) passes is-sql."""
    candidates = sql_blocks(ctx.output) or [ctx.output]
    problem = "output does not contain valid SQL"
    for candidate in candidates:
        if not candidate.strip():
            continue
        found = check_sql(candidate, spec)
        if found is None:
            return Score(score=1.0, passed=True, reason="output contains valid SQL")
        problem = found
    return Score(score=0.0, passed=False, reason=f"{problem}; {output_starts(ctx.output)}")


def _validate(spec: ScorerSpec, prompt_dir: Path, repo_root: Path) -> list[str]:
    if is_templated(spec.value):
        return []
    try:
        _options(spec)
    except ScorerError as e:
        return [str(e)]
    return []


SCORERS: dict[str, ScorerDef] = {
    "is-sql": ScorerDef(is_sql, _validate),
    "contains-sql": ScorerDef(contains_sql, _validate),
}
