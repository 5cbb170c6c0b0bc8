"""Querysets compiled once per process: a hot request's SELECTs cost more CPU in the ORM's compiler (building
the select list, joins, ORDER BY, FOR UPDATE) than in PostgreSQL. A `CompiledQuery` lets the ORM build and
compile the queryset once, with stand-in values, then runs that SQL again with each call's values and makes the
instances as a queryset would (select_related models and annotations included), or gives its rows as a
`values_list` queryset would (`rows`).

Hand-written here because Django keeps no compiled form of a queryset: this repeats what its ModelIterable does
after `execute_sql` (django/db/models/query.py), with the compiler's SQL kept instead of built again."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)


class CompiledQuery(Generic[M]):
    """`build(**stand_ins)` is the queryset; `run(**values)` its instances for `values` (same names), or, for a
    `values_list` queryset, `rows(**values)` its tuples.

    Each stand-in must be a value no real call passes (a negative id, a string with a NUL: PostgreSQL text
    cannot hold one) and must reach the SQL as one parameter, once, unchanged (`id__in` takes one stand-in per
    element: compile one query per list length). The queryset's own constants stay as compiled."""

    def __init__(self, build: Callable[..., QuerySet[M]], **stand_ins: Any) -> None:
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: _Compiled | None = None

    def _compile(self) -> "_Compiled":
        queryset = self._build(**self._stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots: list[tuple[int, str]] = []
        for index, param in enumerate(params):
            found = [
                name
                for name, stand_in in self._stand_ins.items()
                if type(param) is type(stand_in) and param == stand_in
            ]
            if found:
                slots.append((index, found[0]))
        if sorted(name for _, name in slots) != sorted(self._stand_ins):
            raise RuntimeError(f"A compiled query takes each stand-in once: {params} for {self._stand_ins}")
        iterable = queryset._iterable_class  # noqa: SLF001 - how the queryset makes its results
        if iterable not in (ModelIterable, ValuesListIterable):
            raise TypeError(f"A compiled query makes instances or values_list rows, not what {iterable} makes.")
        compiled = _Compiled(
            sql=sql,
            template=list(params),
            slots=slots,
            alias=queryset.db,
            converters=list(compiler.get_converters([column[0] for column in compiler.select]).items()),
            instances=iterable is ModelIterable,
        )
        if compiled.instances:
            # What ModelIterable reads from the compiler after execute_sql, kept.
            select, klass_info = compiler.select, compiler.klass_info
            select_fields = klass_info["select_fields"]
            compiled.model = klass_info["model"]
            compiled.start, compiled.end = select_fields[0], select_fields[-1] + 1
            compiled.init_list = [column[0].target.attname for column in select[compiled.start : compiled.end]]
            # The stubs are of a later Django (a fetch mode argument); 5.2's takes these three.
            compiled.populators = get_related_populators(klass_info, select, queryset.db)  # type: ignore[call-arg]
            compiled.annotations = list((compiler.annotation_col_map or {}).items())
        else:
            # ValuesListIterable reorders the select's columns when asked in another order: rows() does not.
            query, asked = queryset.query, queryset._fields  # type: ignore[attr-defined]
            selected = [*query.extra_select, *query.values_select, *query.annotation_select]
            if asked and [*asked, *(name for name in query.annotation_select if name not in asked)] != selected:
                raise RuntimeError(f"Rows come in the select's order: ask {selected}, annotations last.")
        self._compiled = compiled
        return compiled

    @property
    def alias(self) -> str:
        """The database the query runs on."""
        return (self._compiled or self._compile()).alias

    def statement(self, **values: Any) -> tuple[str, list[Any]]:
        """The SQL and its parameters for `values`, for a caller to run within a statement of its own
        (`api.throttling.take_with_rows`, on `alias`) and give the rows to `converted`."""
        compiled = self._compiled or self._compile()
        return compiled.sql, self._params(compiled, values)

    def converted(self, rows: list[Any]) -> list[tuple[Any, ...]]:
        """Rows of `statement`'s SQL as `rows` gives them."""
        compiled = self._compiled or self._compile()
        if compiled.instances:
            raise TypeError("A queryset of instances gives them: call run().")
        if not compiled.converters:
            return rows
        return [tuple(row) for row in self._convert(compiled, connections[compiled.alias], rows)]

    @staticmethod
    def _params(compiled: "_Compiled", values: dict[str, Any]) -> list[Any]:
        params = compiled.template.copy()
        for index, name in compiled.slots:
            params[index] = values[name]
        return params

    def _execute(self, values: dict[str, Any]) -> tuple["_Compiled", Any, list[Any]]:
        """The compiled query, this thread's connection and the rows for `values`, converted."""
        compiled = self._compiled or self._compile()
        connection = connections[compiled.alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values))
            rows: list[Any] = cursor.fetchall()
        return compiled, connection, self._convert(compiled, connection, rows)

    @staticmethod
    def _convert(compiled: "_Compiled", connection: Any, rows: list[Any]) -> list[Any]:
        """What the compiler's apply_converters does (a JSONField's text loaded), with this connection (the
        compiled state is shared between threads); rows without converters are left as they are."""
        if not compiled.converters:
            return rows
        rows = [list(row) for row in rows]
        for row in rows:
            for position, (converters, expression) in compiled.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return rows

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows for `values`, as a `values_list` queryset gives them."""
        compiled, _, rows = self._execute(values)
        if compiled.instances:
            raise TypeError("A queryset of instances gives them: call run().")
        return [tuple(row) for row in rows] if compiled.converters else rows

    def run(self, **values: Any) -> list[M]:
        compiled, _, rows = self._execute(values)
        if not compiled.instances:
            raise TypeError("A values_list query gives rows, not instances: call rows().")
        model, alias, init_list, start, end = (
            compiled.model,
            compiled.alias,
            compiled.init_list,
            compiled.start,
            compiled.end,
        )
        instances: list[M] = []
        for row in rows:
            instance = model.from_db(alias, init_list, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            for attribute, position in compiled.annotations:
                setattr(instance, attribute, row[position])
            instances.append(instance)
        return instances


@dataclass
class _Compiled:
    """A compiled query: its SQL, parameters (`slots`: where each stand-in's value goes), converters and, for a
    queryset of instances, what ModelIterable reads from the compiler to make them."""

    sql: str
    template: list[Any]
    slots: list[tuple[int, str]]
    alias: str
    converters: list[tuple[int, tuple[list[Any], Any]]]
    instances: bool
    model: Any = None
    start: int = 0
    end: int = 0
    init_list: list[str] = field(default_factory=list)
    populators: list[Any] = field(default_factory=list)
    annotations: list[tuple[str, int]] = field(default_factory=list)


# The statement Django writes for one row: its columns, its VALUES group, what follows.
_ONE_ROW_INSERT = re.compile(r"(INSERT INTO .+\)) VALUES (\(.+\)) (RETURNING .+)")


class CompiledInsert(Generic[M]):
    """`insert(objs)`: what `Model.objects.bulk_create(objs)` does for new rows without a primary key, its SQL
    compiled once per process and number of rows. Each row's values are prepared as the ORM prepares them
    (`pre_save`, then `get_db_prep_save`: auto_now stamps, defaults, JSON); no signals, as bulk_create sends none.

    One VALUES (...) group a row (the statement Django writes for one row, its group repeated), not the UNNEST
    arrays Django writes for several: psycopg quotes an array's text element by element in Python (a regular
    expression substitution per quote character of a mail's HTML), a plain text parameter in libpq."""

    def __init__(self, model: type[M]) -> None:
        self._model = model
        self._compiled: dict[int, tuple[str, list[Any], str]] = {}

    def _compile(self, count: int) -> tuple[str, list[Any], str]:
        meta = self._model._meta
        fields = [field for field in meta.concrete_fields if not field.generated and not field.primary_key]
        query = InsertQuery(self._model)
        query.insert_values(fields, [self._model()])
        alias = router.db_for_write(self._model)
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = meta.db_returning_fields
        [(sql, params)] = compiler.as_sql()
        shape = _ONE_ROW_INSERT.fullmatch(sql)
        if shape is None:
            raise RuntimeError(f"{self._model.__name__}'s row does not insert as expected: {sql}")
        head, values, returning = shape.groups()
        if len(params) != len(fields) or values.count("%s") != len(fields):
            raise RuntimeError(f"{self._model.__name__}'s row does not insert one parameter a column: {sql}")
        if [field.attname for field in meta.db_returning_fields] != [meta.pk.attname]:
            raise RuntimeError(f"{self._model.__name__} returns more than its key on insert.")
        compiled = self._compiled[count] = (f"{head} VALUES {', '.join([values] * count)} {returning}", fields, alias)
        return compiled

    def insert(self, objs: list[M]) -> list[M]:
        if not objs:
            return objs
        sql, fields, alias = self._compiled.get(len(objs)) or self._compile(len(objs))
        connection = connections[alias]
        for obj in objs:
            # What bulk_create checks first: a related object assigned unsaved is refused, its key copied.
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]  # noqa: SLF001 - as bulk_create; not in the stubs
        params = [
            field.get_db_prep_save(field.pre_save(obj, add=True), connection=connection)
            for obj in objs
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            keys = [row[0] for row in cursor.fetchall()]
        for obj, key in zip(objs, keys, strict=True):
            obj.pk = key
            obj._state.adding, obj._state.db = False, alias  # noqa: SLF001 - what bulk_create leaves
        return objs
