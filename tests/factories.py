"""The base of the apps' model factories."""

from typing import TYPE_CHECKING, Any, TypeVar

import factory.django

ModelT = TypeVar("ModelT")


class ModelFactory(factory.django.DjangoModelFactory[ModelT]):
    """A DjangoModelFactory whose call is typed as returning the model, as it does at run time."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory_boy's metaclass turns `SomeFactory(...)` into `SomeFactory.create(...)`, which its own types
        # do not say; mypy reads the result of a call from __new__, which may not name another class.
        def __new__(cls, *args: Any, **kwargs: Any) -> ModelT: ...  # type: ignore[misc]
