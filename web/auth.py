"""The `auth` blueprint: sign in at /login, sign out, and who is signed in.

    name + password ─► locked? (too many wrong passwords: refused without checking)
                    ─► Archive.users.authenticate (argon2) ─► a fresh session (Flask-Login)
                    ─► wrong: counted; the fifth in a row locks the account for a while

Every other page needs a signed-in user (`login_required`, set on the dashboard blueprint);
the user is read again on each request, so a disabled account is out at its next click.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from compliance.errors import InputError
from compliance.records import Actor, Role
from web.archive import get_archive

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


@dataclass(frozen=True)
class SignedIn(UserMixin):
    """The signed-in user: a name and a role, as the workflow knows them."""

    name: str
    role: Role

    def get_id(self) -> str:
        return self.name

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role)


class LoginForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=1024)])


def init_app(app: Flask) -> None:
    """Flask-Login on the app: /login for whoever is not signed in."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    login_manager.login_message = ""


@login_manager.user_loader
def load_user(name: str) -> SignedIn | None:
    """The active user called `name`, or None (a disabled or removed one is signed out)."""
    try:
        actor = get_archive().users.actor(name)
    except InputError:
        return None
    return SignedIn(actor.name, actor.role)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; a locked account is refused before its password is checked."""
    form = LoginForm()
    if form.validate_on_submit():
        archive, name = get_archive(), form.name.data.strip()
        locked = archive.login_locked_until(name)
        if locked is None:
            user = archive.users.authenticate(name, form.password.data)
            if user is not None:
                archive.login_succeeded(name)
                session.clear()  # no session fixation: a new session for a new identity
                login_user(SignedIn(user.name, user.role))
                return redirect(_next_page())
            locked = archive.login_failed(name)
        if locked is not None:
            flash(
                _(
                    "Too many wrong passwords: this account is locked until %(time)s.",
                    time=format_datetime(locked, "short"),
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        flash(_("Wrong name or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out (a POST, so that another site cannot sign a user out with a link)."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _next_page() -> str:
    """Where the user was going, on this site only; else the inbox."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return url_for("dashboard.inbox")


def actor() -> Actor:
    """Who acts in this request: the signed-in user."""
    return current_user.actor
