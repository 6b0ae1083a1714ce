"""Photos and documents on the web form (issue 16, item 1; docs/photos.md): signing the uploads,
attaching them to a new case, showing them to their sender, and staff publishing a copy without
metadata.

``PhotoUploads`` signs a POST per file and, for ``CaseService.open_public_case``, checks and
claims the uploads a report names. ``CitizenPhotos`` lists a case's files to the one holding its
token (short-lived links), and its published photos to anyone. ``PhotoPublication`` is the staff
side (``photo.publish``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from msgspec import Struct

from ..domain.attachments import StoredAttachment, content_disposition, find_attachment
from ..domain.cases import Case, TimelineEvent, parse_number, utc_now
from ..domain.errors import ConflictError, NotFoundError, ValidationError
from ..domain.image_metadata import without_metadata
from ..domain.photos import (
    UPLOAD_SECONDS,
    UploadRequest,
    UploadRules,
    attachment_entry,
    case_key,
    check_upload,
    check_uploaded,
    new_upload_id,
    normal_type,
    publish,
    publishable,
    published_path,
    too_many,
    upload_key,
    withdraw,
)
from ..domain.policy import Action, Principal, Scope, authorise, authorise_case
from .photo_ports import PublicMedia, UploadInbox, UploadSigner
from .ports import AttachmentLinks, CaseworkCases
from .public_commands import TrackedCase

#: How long a citizen's link to their own file works.
LINK_SECONDS = 600


class SignedUpload(Struct, frozen=True):
    upload_id: str
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int
    max_files: int


class PhotoUploads:
    def __init__(self, signer: UploadSigner, inbox: UploadInbox, rules: UploadRules, *,
                 clock: Callable[[], datetime] = utc_now):
        self._signer = signer
        self._inbox = inbox
        self.rules = rules
        self._clock = clock

    def start(self, request: UploadRequest) -> SignedUpload:
        """A signed POST for one file; ``ValidationError`` for a type or size the form does not
        take (S3 refuses a different type, name or a larger file: the policy says so)."""
        errors = check_upload(request, self.rules)
        if errors:
            raise ValidationError(errors)
        upload_id = new_upload_id()
        url, fields = self._signer.signed_post(
            upload_key(upload_id), content_type=normal_type(request.content_type),
            filename=request.filename, max_bytes=self.rules.max_bytes, expires_in=UPLOAD_SECONDS)
        return SignedUpload(upload_id, url, fields, self._clock() + timedelta(seconds=UPLOAD_SECONDS),
                            self.rules.max_bytes, self.rules.max_files)

    def claim(self, number: str, upload_ids: tuple[str, ...]) -> tuple[dict, ...]:
        """The files of case ``number``, copied under its prefix, as the ``case_opened`` entry
        lists them; ``ValidationError`` naming each ``attachments[i]`` that is unknown (never
        uploaded, expired), too large or not of the type its bytes show. Nothing is copied
        unless every file is good. One read per file, then one copy per file."""
        unique = tuple(dict.fromkeys(upload_ids))
        limit = too_many(len(unique), self.rules)
        if limit:
            raise ValidationError([limit])
        found = [self._inbox.uploaded(upload_id) for upload_id in unique]
        errors = [error for error in (check_uploaded(index, item, self.rules)
                                      for index, item in enumerate(found)) if error]
        if errors:
            raise ValidationError(errors)
        entries = []
        for index, item in enumerate(found):
            assert item is not None  # check_uploaded refused a missing one
            key = case_key(number, index, item)
            self._inbox.claim(item.upload_id, key)
            entries.append(attachment_entry(item, key))
        return tuple(entries)


class CitizenFile(Struct, frozen=True):
    attachment: StoredAttachment
    url: str
    expires_at: datetime | None  # None: a public copy
    published: bool
    gps: tuple[float, float] | None = None


def _listed(number: str, events: list[TimelineEvent]) -> list[tuple[StoredAttachment, dict]]:
    """Every kept file the citizen sent with the report (the ``case_opened`` entry's)."""
    out = []
    for event in events:
        if event.kind.value != "case_opened":
            continue
        for index, entry in enumerate((event.data or {}).get("attachments") or []):
            found = find_attachment(number, events, f"{event.event_id}-{index}")
            if found is not None:
                out.append((found, entry))
    return out


class CitizenPhotos:
    """What the tracking page shows of a case's files."""

    def __init__(self, track: Callable[[str, str | None], TrackedCase], links: AttachmentLinks,
                 media: PublicMedia, *, clock: Callable[[], datetime] = utc_now):
        self._track = track
        self._links = links
        self._media = media
        self._clock = clock

    def files(self, number: str, token: str | None) -> list[CitizenFile]:
        """With the case's token: every file the citizen sent, each with a link for a few
        minutes; without it: the published photos only (a private case is not found, as on the
        tracking page)."""
        tracked = self._track(number, token)
        case, published = tracked.case, set(tracked.case.published_photos)
        listed = _listed(case.number, tracked.timeline)
        if not tracked.authorised:
            public = [(a, _path_of(case, a)) for a, _ in listed]
            return [CitizenFile(a, self._media.url(path), None, True)
                    for a, path in public if path and path in published]
        now = self._clock()
        out = []
        for attachment, entry in listed:
            url = self._links.download_url(
                attachment.key, content_type=attachment.content_type,
                disposition=content_disposition(attachment.filename, attachment.inline),
                expires_in=LINK_SECONDS)
            gps = entry.get("gps") or None
            out.append(CitizenFile(attachment, url, now + timedelta(seconds=LINK_SECONDS),
                                   _path_of(case, attachment) in published,
                                   (gps["lat"], gps["lon"]) if gps else None))
        return out


def _path_of(case: Case, attachment: StoredAttachment) -> str | None:
    if not publishable(attachment.content_type):
        return None
    return published_path(case.number, attachment.attachment_id, attachment.content_type)


class Publication(Struct, frozen=True):
    case: Case
    attachment: StoredAttachment
    path: str
    url: str
    published: bool
    entry: TimelineEvent


class PhotoPublication:
    """Staff publish a citizen's photo, a copy without metadata, or withdraw it."""

    def __init__(self, cases: CaseworkCases, media: PublicMedia, *,
                 clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._media = media
        self._clock = clock

    def publish(self, principal: Principal | None, number: str, attachment_id: str) -> Publication:
        """Write the copy without metadata, then record it on the case (a failed save leaves
        a copy nobody links to, which the next publish overwrites). Only an image of a
        publishable type (JPEG, PNG, WebP) of a case that is public."""
        caller, case, attachment, path = self._target(principal, number, attachment_id)
        if not case.public:
            raise ConflictError("error.photo_case_private", current_version=case.version,
                                number=case.number)
        if path in case.published_photos:
            raise ConflictError("error.photo_already_published", current_version=case.version,
                                number=case.number)
        try:
            clean, content_type = without_metadata(self._media.read(attachment.key))
        except ValueError:
            raise ConflictError("error.photo_not_publishable", current_version=case.version,
                                number=case.number) from None
        self._media.publish(path, clean, content_type)
        changed, entry = publish(case, attachment.attachment_id, path, at=self._clock(),
                                 actor=caller.actor)
        self._cases.save_change(changed, case.version, [entry])
        return Publication(changed.with_changes(version=case.version + 1), attachment, path,
                           self._media.url(path), True, entry)

    def withdraw(self, principal: Principal | None, number: str, attachment_id: str) -> Publication:
        """Record the withdrawal first, then remove the copy: the public views stop linking it
        at once; a failed delete leaves a file no view names."""
        caller, case, attachment, path = self._target(principal, number, attachment_id)
        changed, entry = withdraw(case, attachment.attachment_id, path, at=self._clock(),
                                  actor=caller.actor)
        self._cases.save_change(changed, case.version, [entry])
        self._media.withdraw(path)
        return Publication(changed.with_changes(version=case.version + 1), attachment, path,
                           self._media.url(path), False, entry)

    def _target(self, principal: Principal | None, number: str, attachment_id: str
                ) -> tuple[Principal, Case, StoredAttachment, str]:
        scope = authorise(principal, Action.PUBLISH_PHOTO)
        assert principal is not None  # authorise refuses an anonymous caller
        if parse_number(number) is None:
            authorise_case(principal, Action.PUBLISH_PHOTO, None)
        if scope is not Scope.ALL:  # another department's case costs a missing one's reads
            gate = self._cases.get_case(number)
            authorise_case(principal, Action.PUBLISH_PHOTO, gate.department if gate else None,
                           deleted=bool(gate and gate.deleted))
        found = self._cases.get_with_history(number)
        authorise_case(principal, Action.PUBLISH_PHOTO, found[0].department if found else None,
                       deleted=bool(found and found[0].deleted))
        assert found is not None
        case, events = found
        if case.deleted:
            raise ConflictError("error.case_deleted", current_version=case.version)
        attachment = find_attachment(case.number, events, attachment_id)
        if attachment is None:
            raise NotFoundError("error.attachment_not_found")
        path = _path_of(case, attachment)
        if path is None:
            raise ConflictError("error.photo_not_publishable", current_version=case.version,
                                number=case.number)
        return principal, case, attachment, path

