"""`flask auth reset-second-factor EMAIL`: for the last admin, locked out, on the server."""

import click

from portal.auth import second_factor
from portal.auth.routes import bp
from portal.errors import DomainError


@bp.cli.command("reset-second-factor")
@click.argument("email")
def reset_second_factor_command(email: str) -> None:
    """Turn off an account's second factor and end its sessions; it enrols again at sign-in."""
    try:
        user = second_factor.reset_from_command_line(email)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"The second factor of {user.email} is reset: set it up again at the next sign-in.")
