"""A Python client of the API (gql)."""

from gql import Client, gql

FULL_NAMES = """
query FullNames {
  users {
    fullName
  }
}
"""


def fetch(client: Client) -> object:
    return client.execute(gql(FULL_NAMES))


def me(client: Client) -> object:
    return client.execute(gql("query PyMe { me { name } }"))
