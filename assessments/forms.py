"""The questionnaire's section form: one rating and an optional comment per statement."""

from __future__ import annotations

from django import forms

from .models import RATING_LABELS, FrameworkItem, ItemRating
from .questionnaire import Answer

NOT_APPLICABLE = "na"
RATING_CHOICES = [
    *((str(value), f"{value} {label}") for value, label in RATING_LABELS.items()),
    (NOT_APPLICABLE, "Not applicable"),
]


class SectionForm(forms.Form):
    """Fields `rating_<key>` and `comment_<key>` for every item of a section.

    Ratings may be left blank while the questionnaire is a draft; the review page lists them.
    """

    def __init__(
        self,
        *args,
        items: list[FrameworkItem],
        ratings: dict[int, ItemRating],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            rating = ratings.get(item.pk)
            initial = None
            if rating is not None:
                initial = NOT_APPLICABLE if rating.value is None else str(rating.value)
            self.fields[f"rating_{item.key}"] = forms.ChoiceField(
                choices=RATING_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                label=item.target_text,
                initial=initial,
                error_messages={
                    "invalid_choice": "Choose a rating from 1 to 5, or not applicable."
                },
            )
            self.fields[f"comment_{item.key}"] = forms.CharField(
                required=False,
                max_length=2000,
                label="Comment (optional)",
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                initial=rating.comment if rating else "",
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        for item in self.items:
            if cleaned.get(f"comment_{item.key}", "").strip() and not cleaned.get(
                f"rating_{item.key}"
            ):
                self.add_error(
                    f"rating_{item.key}",
                    "Choose a rating, or not applicable, to go with your comment.",
                )
        return cleaned

    def rows(self) -> list[tuple[FrameworkItem, forms.BoundField, forms.BoundField]]:
        """Each item with its rating and comment fields, for the template."""
        return [
            (item, self[f"rating_{item.key}"], self[f"comment_{item.key}"]) for item in self.items
        ]

    def answers(self) -> dict[int, Answer]:
        """Answered items by id; blank ratings are left out (they stay unanswered)."""
        result = {}
        for item in self.items:
            choice = self.cleaned_data.get(f"rating_{item.key}")
            comment = self.cleaned_data.get(f"comment_{item.key}", "").strip()
            if not choice:
                continue
            value = None if choice == NOT_APPLICABLE else int(choice)
            result[item.pk] = Answer(value=value, comment=comment)
        return result


class SubmitForm(forms.Form):
    shares_sensitive = forms.BooleanField(
        required=False,
        label="Let my supervisor see my answers about self-care and burnout",
        help_text="Left unticked, these answers stay private to you and count only in "
        "anonymous service figures.",
    )
