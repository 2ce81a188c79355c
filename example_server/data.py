"""In-memory people and attachments, shared by every version of the example API."""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field

__all__ = ["Attachment", "Directory", "Person", "directory"]


@dataclass
class Person:
    id: str
    full_name: str
    email: str
    role: str  # "admin" | "user" | "guest"
    group: str | None = None


@dataclass
class Attachment:
    id: str
    owner_id: str
    filename: str
    size: int
    sha256: str
    scanned: bool = False


@dataclass
class Directory:
    """People and their attachments; a lock keeps concurrent mutations consistent."""

    people: dict[str, Person] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def list_people(
        self, *, role: str | None = None, group: str | None = None, after: str | None = None
    ) -> list[Person]:
        people = sorted(self.people.values(), key=lambda person: int(person.id))
        if after is not None:
            people = [person for person in people if int(person.id) > int(after)]
        if role is not None:
            people = [person for person in people if person.role == role]
        if group is not None:
            people = [person for person in people if person.group == group]
        return people

    def add_attachment(self, owner_id: str, filename: str, content: bytes, *, scanned: bool) -> Attachment:
        if owner_id not in self.people:
            raise LookupError(f"no user with id {owner_id!r}")
        with self._lock:
            attachment = Attachment(
                id=f"att-{next(self._ids)}",
                owner_id=owner_id,
                filename=filename,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                scanned=scanned,
            )
            self.attachments[attachment.id] = attachment
        return attachment


def seeded_directory() -> Directory:
    directory = Directory()
    for person in (
        Person("1", "Ada Lovelace", "ada@example.org", "admin", group="engineering"),
        Person("2", "Grace Hopper", "grace@example.org", "user", group="engineering"),
        Person("3", "Katherine Johnson", "katherine@example.org", "user", group="research"),
        Person("4", "Alan Turing", "alan@example.org", "guest", group="research"),
    ):
        directory.people[person.id] = person
    return directory


directory = seeded_directory()
