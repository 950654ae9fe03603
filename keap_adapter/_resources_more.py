"""``client.tags.categories`` and ``client.contacts.custom_fields``: what surrounds tags and
contacts, as thin typed methods over checked operations (see :mod:`._resources`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import _operations as ops
from ._account_models import CustomField, FieldType
from ._models import TagCategory, TagCategoryUpdate

if TYPE_CHECKING:
    from ._resources import AsyncRunner, Runner

__all__ = ["AsyncCustomFields", "AsyncTagCategories", "CustomFields", "TagCategories"]

FieldList = list[CustomField]


class _Sub:
    def __init__(self, runner: Any) -> None:
        self._r = runner

    def _size(self, page_size: int | None) -> int:
        return ops.check_page_size(page_size, self._r.page_size)


class TagCategories(_Sub):
    """Tag categories (XML-RPC's ``ContactGroupCategory``), identical on both backends."""

    _r: Runner

    def create(self, name: str, *, description: str | None = None) -> TagCategory:
        """Create a category; ``ConflictError`` if one already has that name."""
        return self._r._operate(ops.create_tag_category(name, description))

    def get(self, category_id: int) -> TagCategory:
        """Load a category; ``NotFoundError`` if there is none."""
        return self._r._operate(ops.get_tag_category(category_id))

    def update(
        self, category_id: int, update: TagCategoryUpdate | Mapping[str, Any]
    ) -> TagCategory:
        """Change only the fields set on ``update`` (``description=None`` clears it)."""
        return self._r._operate(ops.update_tag_category(category_id, update))

    def delete(self, category_id: int) -> None:
        """Delete a category; ``NotFoundError`` if there is none."""
        self._r._operate(ops.delete_tag_category(category_id))

    def list(self, *, page_size: int | None = None) -> Iterator[TagCategory]:
        """Every category, in id order, fetched lazily page by page."""
        return self._r._list(ops.list_tag_categories(self._size(page_size)))


class CustomFields(_Sub):
    """Contact custom field definitions, identical on both backends."""

    _r: Runner

    def list(self) -> FieldList:
        """Every contact custom field, in id order, with its type and options."""
        return self._r._operate(ops.list_custom_fields())

    def create(
        self, label: str, field_type: FieldType, *, options: Iterable[str] | None = None
    ) -> CustomField:
        """Create a contact custom field. ``options`` (for DROPDOWN, LIST_BOX, RADIO and
        DRILLDOWN only) are the labels it offers. Over XML-RPC the options are a second call;
        if that one fails, the error's ``partial_result`` is the field made without them."""
        return self._r._operate(ops.create_custom_field(label, field_type, options))


class AsyncTagCategories(_Sub):
    """See :class:`TagCategories`."""

    _r: AsyncRunner

    async def create(self, name: str, *, description: str | None = None) -> TagCategory:
        """See :meth:`TagCategories.create`."""
        return await self._r._operate(ops.create_tag_category(name, description))

    async def get(self, category_id: int) -> TagCategory:
        """See :meth:`TagCategories.get`."""
        return await self._r._operate(ops.get_tag_category(category_id))

    async def update(
        self, category_id: int, update: TagCategoryUpdate | Mapping[str, Any]
    ) -> TagCategory:
        """See :meth:`TagCategories.update`."""
        return await self._r._operate(ops.update_tag_category(category_id, update))

    async def delete(self, category_id: int) -> None:
        """See :meth:`TagCategories.delete`."""
        await self._r._operate(ops.delete_tag_category(category_id))

    def list(self, *, page_size: int | None = None) -> AsyncIterator[TagCategory]:
        """See :meth:`TagCategories.list`; an async iterator."""
        return self._r._list(ops.list_tag_categories(self._size(page_size)))


class AsyncCustomFields(_Sub):
    """See :class:`CustomFields`."""

    _r: AsyncRunner

    async def list(self) -> FieldList:
        """See :meth:`CustomFields.list`."""
        return await self._r._operate(ops.list_custom_fields())

    async def create(
        self, label: str, field_type: FieldType, *, options: Iterable[str] | None = None
    ) -> CustomField:
        """See :meth:`CustomFields.create`."""
        return await self._r._operate(ops.create_custom_field(label, field_type, options))
