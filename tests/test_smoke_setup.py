import pytest

from accounts.models import Role
from tests import factories


@pytest.mark.django_db
def test_therapist_factory_gives_a_therapist_membership():
    user = factories.therapist()
    assert list(user.memberships.values_list("role", flat=True)) == [Role.THERAPIST]
