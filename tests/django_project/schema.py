"""The test project's schemas: v1 with a deprecated field and a deprecated query, v2 without them."""

# [gqlevolve-schema]
import strawberry

from gqlevolve import deprecation_usage
from gqlevolve.contrib.django import usage_store


@strawberry.type
class Person:
    id: strawberry.ID
    name: str = strawberry.field(deprecation_reason="Use fullName")
    full_name: str


ADA = Person(id=strawberry.ID("1"), name="Ada", full_name="Ada Lovelace")


@strawberry.type
class QueryV1:
    @strawberry.field
    def people(self) -> list[Person]:
        return [ADA]

    @strawberry.field(deprecation_reason="Use people")
    def everyone(self) -> list[Person]:
        return [ADA]


@strawberry.type
class PersonV2:
    id: strawberry.ID
    full_name: str


@strawberry.type
class QueryV2:
    @strawberry.field
    def people(self) -> list[PersonV2]:
        return [PersonV2(id=ADA.id, full_name=ADA.full_name)]


# deprecation_usage counts each operation in the project's usage store, warns the client, refuses removed elements
schema_v1 = strawberry.Schema(QueryV1, extensions=[deprecation_usage(store=usage_store())])
schema_v2 = strawberry.Schema(QueryV2, extensions=[deprecation_usage(store=usage_store())])
# [/gqlevolve-schema]
