"""`flask documents ...`: copy a folder store into a bucket, or any store into another (a
backup, a restore); verify every file the database names; check a bucket is usable and
private."""

import hashlib

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.config import parse_url
from portal.documents.backends import (
    Backend,
    FolderBackend,
    S3Backend,
    StoreUnreachable,
    key_for,
    s3_client,
)
from portal.documents.models import StoredFile
from portal.documents.store import backend
from portal.extensions import db

documents_cli = AppGroup("documents", help="The document store.")

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def _bucket(url: str) -> S3Backend:
    try:
        location = parse_url(url)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return S3Backend(location, s3_client(current_app.config["DOCUMENT_STORE_ENDPOINT_URL"]))


def _backend(place: str) -> Backend:
    """A folder path or an s3:// URL as a backend."""
    return _bucket(place) if place.startswith("s3:") else FolderBackend(place)


@documents_cli.command("migrate-to")
@click.argument("url")
@click.option(
    "--from",
    "folder",
    default=None,
    help="The folder store to copy (default: DOCUMENT_STORE_PATH).",
)
def migrate_to_command(url: str, folder: str | None) -> None:
    """Copy every file of the folder store into the bucket URL (s3://bucket/prefix).

    Idempotent and resumable: a key the bucket already holds with the same size is
    skipped, so a run that stopped half-way is simply run again. Each file's SHA-256 is
    checked against its name before it is copied; a file that does not match is reported
    and not copied. Then set DOCUMENT_STORE_URL to the same URL.
    """
    _copy(FolderBackend(folder or current_app.config["DOCUMENT_STORE_PATH"]), _bucket(url))


@documents_cli.command("copy")
@click.option("--from", "source", default=None, help="Folder or s3:// URL (default: the store).")
@click.option("--to", "target", default=None, help="Folder or s3:// URL (default: the store).")
def copy_command(source: str | None, target: str | None) -> None:
    """Copy one store into another, each a folder or an s3://bucket/prefix URL, the
    configured store when not given: `--to FOLDER` backs the store up, `--from FOLDER`
    restores it. Same checks, skips and counts as migrate-to."""
    if source is None and target is None:
        raise click.UsageError("say where to copy from (--from) or to (--to)")
    _copy(
        _backend(source) if source else backend(),
        _backend(target) if target else backend(),
    )


def _copy(source: Backend, target: Backend) -> None:
    copied = skipped = corrupt = 0
    for key in source.list_keys():
        try:
            if target.size(key) == source.size(key):
                skipped += 1
                continue
            data = source.read(key)
            if hashlib.sha256(data).hexdigest() != key.rsplit("/", 1)[-1]:
                click.echo(f"not copied, content does not match its name: {key}", err=True)
                corrupt += 1
                continue
            target.put(key, data, _content_type(key))
        except StoreUnreachable as error:
            click.echo(
                f"stopped: a store cannot be reached ({error}); copied {copied}, "
                f"already there {skipped}. Run the command again to go on.",
                err=True,
            )
            raise SystemExit(1) from None
        copied += 1
        if copied % 1000 == 0:
            click.echo(f"... copied {copied}, already there {skipped}")
    missing = _rows_without_file(source)
    click.echo(
        f"copied {copied}, already there {skipped}, corrupt {corrupt}, "
        f"rows whose file is not in the source {missing}"
    )
    if corrupt or missing:
        raise SystemExit(1)


@documents_cli.command("verify")
def verify_command() -> None:
    """Read back every file the database names from the configured store and check its
    SHA-256 (after a restore, or now and then): prints the counts, exits non-zero on any
    file missing or changed."""
    store = backend()
    good = missing = changed = 0
    for sha256 in db.session.scalars(select(StoredFile.sha256)).yield_per(10_000):
        try:
            data = store.read(key_for(sha256))
        except FileNotFoundError:
            click.echo(f"missing: {sha256}", err=True)
            missing += 1
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            good += 1
        else:
            click.echo(f"changed: {sha256}", err=True)
            changed += 1
    click.echo(f"files verified {good}, missing {missing}, changed {changed}")
    if missing or changed:
        raise SystemExit(1)


def _content_type(key: str) -> str:
    stored = db.session.scalar(
        select(StoredFile.content_type).where(StoredFile.sha256 == key.rsplit("/", 1)[-1])
    )
    return stored or "application/octet-stream"


def _rows_without_file(source: Backend) -> int:
    # The rows first, then the files: a file is written before its row, so every row read
    # here has its file in the listing that follows, even while uploads go on (a backup
    # mid-load). Listing first called a file uploaded in between "not in the source".
    rows = set(db.session.scalars(select(StoredFile.sha256)).yield_per(10_000))
    held = {key.rsplit("/", 1)[-1] for key in source.list_keys()}
    return len(rows - held)


@documents_cli.command("check")
def check_command() -> None:
    """Check the configured bucket before going live: it answers, a file written reads
    back, and nothing makes it public (public access block on, no public policy, no ACL
    grant to everyone). Exits non-zero naming each problem."""
    url = current_app.config["DOCUMENT_STORE_URL"]
    if not url:
        click.echo(f"folder store at {current_app.config['DOCUMENT_STORE_PATH']}: nothing to check")
        return
    store = _bucket(url)
    problems = _bucket_problems(store)
    probe = b"occupancy portal store check"
    key = f"00/{hashlib.sha256(probe).hexdigest()}"
    try:
        store.put(key, probe, "text/plain")
        if store.read(key) != probe:
            problems.append("a file written did not read back the same")
    except StoreUnreachable as error:
        problems.append(f"cannot write and read back: {error}")
    for problem in problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"{url}: reachable, writable, private")


def _bucket_problems(store: S3Backend) -> list[str]:
    client, bucket = store.client, store.location.bucket
    problems = []
    try:
        block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if not all(block.values()):
            problems.append(f"the bucket's public access block is not fully on: {block}")
    except Exception as error:
        problems.append(f"no public access block on the bucket ({type(error).__name__})")
    try:
        if client.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"]:
            problems.append("the bucket's policy makes it public")
    except Exception as error:
        # No policy at all is what we want; anything else is reported.
        if "NoSuchBucketPolicy" not in str(error):
            problems.append(f"cannot read the bucket's policy status ({type(error).__name__})")
    try:
        grants = client.get_bucket_acl(Bucket=bucket)["Grants"]
        for grant in grants:
            if grant.get("Grantee", {}).get("URI") in (ALL_USERS, AUTHENTICATED_USERS):
                problems.append(f"the bucket's ACL grants {grant['Permission']} to everyone")
    except Exception as error:
        problems.append(f"cannot read the bucket's ACL ({type(error).__name__})")
    return problems
