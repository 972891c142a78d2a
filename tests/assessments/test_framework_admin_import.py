"""Importing a framework file in the admin: the same checks and line-numbered messages as
`manage.py import_framework`, nothing written when anything is wrong, and the new version
opened when it is clean; the version page shows what still stops a draft from publishing."""

import html
import io
import re

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import framework_io, services
from assessments.framework_io import FrameworkFileError, dump_csv, export_data
from assessments.models import Framework, FrameworkVersion
from tests import factories
from tests.conftest import framework_row_counts
from tests.framework_files import small_framework, with_line

IMPORT_URL = reverse("admin:assessments_framework_import")

# A small framework with a new slug, so a clean upload creates a framework.
SMALL = small_framework("uploaded", "Uploaded test")

SMALL_CSV = """\
section_key,section_kind,section_title,section_component,key,problem,target,primary
capability,barriers,Capability,C,C1,Lack of knowledge,Have knowledge,C-Ps
"""


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def edit(number, content):
    """SMALL with line `number` replaced by `content` (indentation kept)."""
    return with_line(SMALL, number, content)


def upload(client, content, filename="framework.yaml", **fields):
    raw = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(filename, raw), **fields})


def upload_refused(client, content, filename="framework.yaml", **fields):
    """The page a refused upload shows, after checking that nothing was written."""
    before = framework_row_counts()
    response = upload(client, content, filename, **fields)
    assert response.status_code == 200
    assert framework_row_counts() == before
    return html.unescape(response.content.decode())


def change_url(version):
    return reverse("admin:assessments_frameworkversion_change", args=[version.pk])


# Clean uploads


def test_yaml_upload_creates_a_draft_and_opens_it(admin_client, db):
    response = upload(admin_client, SMALL)

    version = FrameworkVersion.objects.get(framework__slug="uploaded")
    assert response.status_code == 302
    assert response.url == change_url(version)
    assert not version.is_published
    assert version.items.count() == 1


def test_yaml_upload_says_what_was_imported(admin_client, db):
    response = upload(admin_client, SMALL)

    page = admin_client.get(response.url).content.decode()
    assert "Imported Uploaded test v1 (draft) with 1 items." in page


def test_csv_upload_with_a_slug_creates_a_draft(admin_client, published_version):
    text = dump_csv(export_data(published_version))

    response = upload(admin_client, text, "framework.csv", slug="comb-pd")

    draft = published_version.framework.versions.get(status=FrameworkVersion.Status.DRAFT)
    assert response.status_code == 302
    assert response.url == change_url(draft)
    assert draft.items.count() == published_version.items.count()


def test_csv_upload_takes_the_name_from_the_form(admin_client, db):
    upload(admin_client, SMALL_CSV, "framework.csv", slug="from-csv", name="From a CSV file")

    assert Framework.objects.get(slug="from-csv").name == "From a CSV file"


def test_csv_upload_without_a_slug_asks_for_one(admin_client, db):
    page = upload_refused(admin_client, SMALL_CSV, "framework.csv")

    assert "A CSV file needs the framework's slug." in page


def test_upload_with_publish_opens_the_published_version(admin_client, db):
    response = upload(admin_client, SMALL, publish="on")

    version = FrameworkVersion.objects.get(framework__slug="uploaded")
    assert version.is_published
    assert response.url == change_url(version)


def test_upload_with_rename_renames_the_framework(admin_client, published_version, framework_yaml):
    text = framework_yaml.replace(published_version.framework.name, "Renamed", 1)

    upload(admin_client, text, rename="on")

    assert Framework.objects.get(slug="comb-pd").name == "Renamed"


def test_file_of_another_kind_is_refused(admin_client, db):
    page = upload_refused(admin_client, SMALL, "framework.txt")

    assert "File extension “txt” is not allowed." in page


# Refused uploads: a representative set of the command's malformed cases. Each makes a file
# (name, content, form fields) and gives the line and words of the message it must get.


def non_utf8_bytes(framework_yaml, monkeypatch):
    raw = SMALL.encode().replace(b"Have knowledge", b"Have kn\xf6wledge")
    return ("framework.yaml", raw, {}), 16, "the file is not UTF-8 text"


def key_given_twice(framework_yaml, monkeypatch):
    text = edit(16, "target: Have knowledge\n        target: Again")
    return ("framework.yaml", text, {}), 17, "is given twice in one mapping"


def list_where_text_is_expected(framework_yaml, monkeypatch):
    text = edit(15, "problem: [Lack, of]")
    return ("framework.yaml", text, {}), 15, "'problem' of item C1 must be text"


def text_longer_than_its_column(framework_yaml, monkeypatch):
    return ("framework.yaml", edit(11, "title: " + "t" * 121), {}), 11, "at most 120"


def unknown_csv_column(framework_yaml, monkeypatch):
    text = SMALL_CSV.replace(",primary\n", ",primary,repair\n").replace("C-Ps\n", "C-Ps,x\n")
    return ("framework.csv", text, {"slug": "from-csv"}), 1, "unknown column(s): 'repair'"


def seed_line_not_a_number(framework_yaml, monkeypatch):
    text = edit(21, 'seed: {file: "000", problem: [3.5], target: [136]}')
    return ("framework.yaml", text, {}), 21, "seed line 3.5 is not a whole line number"


def file_over_the_size_limit(framework_yaml, monkeypatch):
    monkeypatch.setattr(framework_io, "MAX_FILE_BYTES", len(SMALL) - 1)
    return ("framework.yaml", SMALL, {}), 1, "the file is larger than 5 MB"


def rename_without_the_box(framework_yaml, monkeypatch):
    name = next(n for n, line in enumerate(framework_yaml.splitlines(), 1) if "  name:" in line)
    text = framework_yaml.replace("Working with", "Renamed: working with", 1)
    return ("framework.yaml", text, {}), name, "the framework name differs"


REFUSED_UPLOADS = [
    non_utf8_bytes,
    key_given_twice,
    list_where_text_is_expected,
    text_longer_than_its_column,
    unknown_csv_column,
    seed_line_not_a_number,
    file_over_the_size_limit,
    rename_without_the_box,
]


@pytest.mark.parametrize("make_file", REFUSED_UPLOADS)
def test_refused_upload_lists_the_problem_at_its_line_and_writes_nothing(
    admin_client, published_version, framework_yaml, monkeypatch, make_file
):
    (filename, content, fields), number, words = make_file(framework_yaml, monkeypatch)

    page = upload_refused(admin_client, content, filename, **fields)

    assert "Nothing was imported; fix these and try again:" in page
    assert f"<li>line {number}: " in page
    assert words in page
    assert "Traceback" not in page


def test_refused_upload_keeps_the_other_fields(admin_client, db):
    text = SMALL_CSV.replace("C-Ps", "X-Yz")

    page = upload_refused(
        admin_client, text, "framework.csv", slug="from-csv", name="Kept name", publish="on"
    )

    assert "line 2: unknown COM-B sub-component 'X-Yz'" in page
    assert 'value="from-csv"' in page
    assert 'value="Kept name"' in page
    assert re.search(r'<input type="checkbox" name="publish"[^>]* checked>', page)


def test_file_over_the_limit_is_refused_before_it_is_read(db):
    class Unreadable(io.BytesIO):
        def read(self, size=-1):
            raise AssertionError("the file was read")

    big = File(Unreadable(), name="framework.yaml")
    big.size = framework_io.MAX_FILE_BYTES + 1

    with pytest.raises(FrameworkFileError) as excinfo:
        framework_io.import_file(big)

    assert excinfo.value.errors[0].startswith("line 1: the file is larger than")


# The upload page and who reaches it


def test_framework_list_offers_the_import_link(admin_client, db):
    page = admin_client.get(reverse("admin:assessments_framework_changelist")).content.decode()

    assert f'href="{IMPORT_URL}">Import a framework file</a>' in page


def test_upload_page_asks_for_a_file(admin_client, db):
    response = admin_client.get(IMPORT_URL)

    assert response.status_code == 200
    assert 'type="file" name="file"' in response.content.decode()


def test_non_staff_user_is_sent_to_the_admin_login_from_the_upload_page(client, db):
    client.force_login(factories.therapist())

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_permission_to_add_frameworks_cannot_upload(client, db):
    client.force_login(factories.UserFactory(is_staff=True))

    response = upload(client, SMALL)

    assert response.status_code == 403
    assert not Framework.objects.filter(slug="uploaded").exists()


# The version page: what stops a draft from publishing


@pytest.fixture
def draft_missing_a_target(published_version):
    draft = services.create_draft(published_version.framework)
    draft.items.filter(key="C1").update(target_text="")
    return draft


def test_draft_version_page_lists_items_without_a_target(admin_client, draft_missing_a_target):
    page = admin_client.get(change_url(draft_missing_a_target)).content.decode()

    assert "<li>Rated items without a target form: C1.</li>" in page


def test_draft_version_page_links_to_the_items_without_a_target(
    admin_client, draft_missing_a_target
):
    url = reverse("admin:assessments_frameworkitem_changelist")
    query = f"?version={draft_missing_a_target.pk}&amp;target=missing"

    page = admin_client.get(change_url(draft_missing_a_target)).content.decode()

    assert f'<a href="{url}{query}">Show the items without a target form (1)</a>' in page


def test_draft_ready_to_publish_says_so(admin_client, published_version):
    draft = services.create_draft(published_version.framework)

    page = admin_client.get(change_url(draft)).content.decode()

    assert "Nothing: the draft can be published." in page
