"""`flask permits import FILE.csv`: the same all-or-nothing import as the admin page."""

import click
from flask.cli import AppGroup

from portal.errors import DomainError
from portal.permits import export, services

permits_cli = AppGroup("permits", help="Permits imported from the department's permit system.")


@permits_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_command(path: str) -> None:
    """Import permits from a BLDS-shaped CSV file.

    All or nothing: if any row has an error, nothing is imported, every error is
    printed as "Row N, Column: message" (row 1 is the header) and the command exits
    with status 1. A permit number already known updates that permit; its access
    code stays unless the file gives one, and its parties are never changed.
    """
    with open(path, "rb") as source:
        try:
            report = services.import_permits(source, filename=path)
        except DomainError as error:
            raise click.ClickException(error.message) from None
    if not report.ok:
        for problem in report.errors:
            click.echo(str(problem), err=True)
        click.echo(f"Nothing imported: {report.error_count} error(s) in {path}.", err=True)
        raise SystemExit(1)
    click.echo(
        f"Imported {report.rows} row(s) from {path}: "
        f"{report.created} created, {report.updated} updated."
    )


@permits_cli.command("export")
@click.option(
    "--out",
    "out",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="The CSV file to write (default: standard output).",
)
@click.option("--issued-from", type=click.DateTime(["%Y-%m-%d"]), help="Issued on or after.")
@click.option("--issued-to", type=click.DateTime(["%Y-%m-%d"]), help="Issued on or before.")
def export_command(out, issued_from, issued_to) -> None:
    """Export permits as a BLDS CSV file, streamed: any number of permits in little memory."""
    permits = export.PermitFilter(
        issued_from=issued_from.date() if issued_from else None,
        issued_to=issued_to.date() if issued_to else None,
    )
    if permits.issued_from and permits.issued_to and permits.issued_to < permits.issued_from:
        raise click.BadParameter("must be on or after --issued-from", param_hint="--issued-to")
    lines = -1  # the header
    for line in export.blds_rows(permits):
        out.write(line)
        lines += 1
    click.echo(f"Exported {lines} permit(s).", err=True)
