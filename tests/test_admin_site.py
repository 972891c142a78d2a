"""The administration site refuses an action whose selection is not a list of row ids, instead
of failing with a server error, and changes nothing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Team


@pytest.mark.parametrize("selected", ["x", "", str(2**63), "1 OR 1=1"])
def test_an_action_with_a_selection_that_is_no_row_id_changes_nothing(
    client, admin_user, team, selected
):
    client.force_login(admin_user)
    url = reverse("admin:accounts_team_changelist")
    response = client.post(
        url, {"action": "delete_selected", "_selected_action": [str(team.pk), selected]}
    )
    assert response.status_code == 302
    assert Team.objects.filter(pk=team.pk).exists()
    assert "nothing was changed" in str(next(iter(get_messages(response.wsgi_request))))


def test_an_action_on_real_rows_still_runs(client, admin_user, team):
    client.force_login(admin_user)
    url = reverse("admin:accounts_team_changelist")
    response = client.post(
        url, {"action": "delete_selected", "_selected_action": [str(team.pk)], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
