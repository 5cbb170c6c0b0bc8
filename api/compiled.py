"""Querysets compiled once per process: a hot request's SELECTs cost more CPU in the ORM's compiler (building
the select list, joins, ORDER BY, FOR UPDATE) than in PostgreSQL. A `CompiledQuery` lets the ORM build and
compile the queryset once, with stand-in values, then runs that SQL again with each call's values and makes the
instances as a queryset would (select_related models and annotations included), or gives its rows as a
`values_list` queryset would (`rows`).

Hand-written here because Django keeps no compiled form of a queryset: this repeats what its ModelIterable does
after `execute_sql` (django/db/models/query.py), with the compiler's SQL kept instead of built again."""

import copy
import re
from collections.abc import Callable
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
        self._compiled: tuple[Any, str, list[Any], list[str | None]] | None = None

    def _compile(self) -> tuple[Any, str, list[Any], list[str | None]]:
        queryset = self._build(**self._stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        names: list[str | None] = []
        for param in params:
            found = [
                name
                for name, stand_in in self._stand_ins.items()
                if type(param) is type(stand_in) and param == stand_in
            ]
            names.append(found[0] if found else None)
        if sorted(name for name in names if name) != sorted(self._stand_ins):
            raise RuntimeError(f"A compiled query takes each stand-in once: {params} for {self._stand_ins}")
        iterable = queryset._iterable_class  # noqa: SLF001 - how the queryset makes its results
        if iterable not in (ModelIterable, ValuesListIterable):
            raise TypeError(f"A compiled query makes instances or values_list rows, not what {iterable} makes.")
        compiler.compiled_instances = iterable is ModelIterable
        if not compiler.compiled_instances:
            # ValuesListIterable reorders the select's columns when asked in another order: rows() does not.
            query, asked = queryset.query, queryset._fields  # type: ignore[attr-defined]
            selected = [*query.extra_select, *query.values_select, *query.annotation_select]
            if asked and [*asked, *(name for name in query.annotation_select if name not in asked)] != selected:
                raise RuntimeError(f"Rows come in the select's order: ask {selected}, annotations last.")
        # What ModelIterable reads from the compiler after execute_sql, kept with it.
        # The stubs are of a later Django (a fetch mode argument); 5.2's takes these three.
        compiler.compiled_populators = get_related_populators(  # type: ignore[call-arg]
            compiler.klass_info, compiler.select, queryset.db
        )
        compiler.compiled_alias = queryset.db
        compiler.compiled_converters = compiler.get_converters([column[0] for column in compiler.select])
        self._compiled = (compiler, sql, list(params), names)
        return self._compiled

    def _execute(self, values: dict[str, Any]) -> tuple[Any, list[tuple[Any, ...]]]:
        """The rows of the compiled SQL for `values`, and the compiler bound to this thread's connection."""
        compiler, sql, template, names = self._compiled or self._compile()
        connection = connections[compiler.compiled_alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[name] if name else param for name, param in zip(names, template, strict=True)])
            rows = cursor.fetchall()
        # A copy bound to this thread's connection (converters take it); the compiled state is shared.
        compiler = copy.copy(compiler)
        compiler.connection = connection
        return compiler, rows

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows for `values`, as a `values_list` queryset gives them (each column converted as the ORM
        converts it: a JSONField's text loaded)."""
        compiler, rows = self._execute(values)
        if compiler.compiled_instances:
            raise TypeError("A queryset of instances gives them: call run().")
        converters = compiler.compiled_converters
        return [tuple(row) for row in compiler.apply_converters(rows, converters)] if converters else rows

    def run(self, **values: Any) -> list[M]:
        compiler, rows = self._execute(values)
        if not compiler.compiled_instances:
            raise TypeError("A values_list query gives rows, not instances: call rows().")
        alias = compiler.compiled_alias
        select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
        model_cls = klass_info["model"]
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        instances: list[M] = []
        converters = compiler.compiled_converters
        for row in compiler.apply_converters(rows, converters) if converters else rows:
            instance = model_cls.from_db(alias, init_list, row[start:end])
            for populator in compiler.compiled_populators:
                populator.populate(row, instance)
            for attribute, position in (annotation_col_map or {}).items():
                setattr(instance, attribute, row[position])
            instances.append(instance)
        return instances


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
