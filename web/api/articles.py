"""`/articles`: our articles, sent by the CMS, checked as `compliance ingest` checks its records.

    POST /articles {url, body, …} ─► Archive.save_article ─► 201 (new) or 200 (updated, unchanged)
    PUT /articles/{id}            ─► the same article replaced (its url cannot change)
    GET /articles/{id}, DELETE /articles/{id}

An article saved here is indexed at once: the next check finds copies of it.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from compliance import shapes
from compliance.errors import InputError
from compliance.pipeline import article_from_dict
from compliance.records import UpsertStatus
from web.api.auth import audit_api_write, auth
from web.api.schemas import Article, ArticleIn, ArticleUpdate, SavedArticle
from web.archive import get_archive

bp = APIBlueprint("articles", __name__, tag="Articles")
INGEST, READ = ["ingest"], ["read"]
UPDATED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An article already stored under the url: updated or unchanged",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SavedArticle"}}},
    }
}


@bp.post("/articles")
@bp.auth_required(auth, roles=INGEST)
@bp.input(ArticleIn, location="json")
@bp.output(SavedArticle, status_code=201, description="A new article")
@bp.doc(
    summary="Add an article",
    description="An article already stored under the url is updated (200).",
    responses=UPDATED,
)
def create_article(json_data: dict[str, Any]) -> Any:
    """Store one of our articles and index it."""
    return _save(json_data, "create article")


@bp.put("/articles/<int:article_id>")
@bp.auth_required(auth, roles=INGEST)
@bp.input(ArticleUpdate, location="json")
@bp.output(SavedArticle)
@bp.doc(
    summary="Replace an article", description="Every field is replaced; `url` may be left out, not changed."
)
def replace_article(article_id: int, json_data: dict[str, Any]) -> Any:
    """Replace the stored article with this id."""
    current = get_archive().article(article_id)
    url = json_data.setdefault("url", current.url)
    if url != current.url:
        raise InputError(f"an article's url cannot change: article {article_id} is {current.url}")
    document, _status = _save(json_data, "replace article")
    return document, 200


@bp.get("/articles/<int:article_id>")
@bp.auth_required(auth, roles=READ)
@bp.output(Article)
@bp.doc(summary="One article")
def get_article(article_id: int) -> Any:
    """The stored article, body included."""
    return shapes.article(get_archive().article(article_id))


@bp.delete("/articles/<int:article_id>")
@bp.auth_required(auth, roles=INGEST)
@bp.output({}, status_code=204, description="Deleted, with its fingerprint and its findings")
@bp.doc(summary="Delete an article")
def delete_article(article_id: int) -> Any:
    """Delete the article: it is no longer searched, its findings go with it."""
    archive = get_archive()
    archive.delete_article(archive.article(article_id).url)
    audit_api_write("delete article", article_id)
    return ""


def _save(json_data: dict[str, Any], action: str) -> tuple[dict[str, Any], int]:
    archive = get_archive()
    article, status = archive.save_article(article_from_dict(json_data, archive.settings))
    audit_api_write(action, article.id, url=article.url, status=status.value)
    document = shapes.article(article) | {"status": status.value}
    return document, 201 if status is UpsertStatus.INGESTED else 200
