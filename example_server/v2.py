"""The ``v2`` schema: the v1 API without its deprecated elements."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from enum import Enum
from typing import Any

import strawberry

from example_server.data import Attachment as AttachmentRecord
from example_server.data import Person, directory

__all__ = ["Attachment", "Mutation", "Query", "Role", "SecureUploadInput", "User", "UserFilter", "build_schema", "schema"]


@strawberry.enum
class Role(Enum):
    ADMIN = "admin"
    USER = "user"


@strawberry.type
class User:
    id: strawberry.ID
    full_name: str
    email: str
    role: Role

    @classmethod
    def from_person(cls, person: Person) -> User:
        role = Role.USER if person.role == "guest" else Role(person.role)
        return cls(id=strawberry.ID(person.id), full_name=person.full_name, email=person.email, role=role)


@strawberry.input
class UserFilter:
    role: Role | None = None


@strawberry.type
class Attachment:
    id: strawberry.ID
    owner_id: strawberry.ID
    filename: str
    size: int
    sha256: str
    scanned: bool

    @classmethod
    def from_record(cls, record: AttachmentRecord) -> Attachment:
        return cls(
            id=strawberry.ID(record.id),
            owner_id=strawberry.ID(record.owner_id),
            filename=record.filename,
            size=record.size,
            sha256=record.sha256,
            scanned=record.scanned,
        )


@strawberry.input
class SecureUploadInput:
    user_id: strawberry.ID
    filename: str
    content_base64: str
    sha256: str = strawberry.field(description="SHA-256 of the decoded content, checked on arrival.")


def list_users(first: int, after: strawberry.ID | None, role: str | None) -> list[Person]:
    if first < 0:
        raise ValueError("first must not be negative")
    return directory.list_people(role=role, after=after)[:first]


def secure_upload(upload: SecureUploadInput) -> Attachment:
    try:
        content = base64.b64decode(upload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("content_base64 is not valid base64") from None
    if hashlib.sha256(content).hexdigest() != upload.sha256.lower():
        raise ValueError("sha256 does not match the content")
    return Attachment.from_record(directory.add_attachment(upload.user_id, upload.filename, content, scanned=True))


@strawberry.type
class Query:
    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        person = directory.person(id)
        return User.from_person(person) if person else None

    @strawberry.field
    def users(
        self, first: int = 10, after: strawberry.ID | None = None, filter: UserFilter | None = None
    ) -> list[User]:
        role = filter.role.value if filter and filter.role else None
        return [User.from_person(person) for person in list_users(first, after, role)]


@strawberry.type
class Mutation:
    @strawberry.mutation(name="secure_file_upload")
    def secure_file_upload(self, input: SecureUploadInput) -> Attachment:
        return secure_upload(input)


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.Schema:
    """The v2 schema, with Strawberry extensions (the example app adds ``deprecation_usage``)."""
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=list(extensions))


schema = build_schema()
