"""The questionnaire's section form: one rating, an optional comment and a "clear" choice per
statement, and the submit form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.validators import reject_nhs_numbers

from .models import RATING_LABELS, FrameworkItem, ItemRating
from .questionnaire import Answer

NOT_APPLICABLE = "na"
COMMENT_MAX_LENGTH = 2000
RATING_CHOICES = [
    *((str(value), f"{value} {label}") for value, label in RATING_LABELS.items()),
    (NOT_APPLICABLE, "Not applicable"),
]
# One rating's radio buttons, drawn in Python: a section has about twenty statements of six
# choices, and drawing them with template tags was the largest part of the page's time.
# Each is a native radio inside a label drawn as a large tap target: the points 1 to 5 in a
# row, the word under each number, and "Not applicable" apart from them.
RADIO_HTML = (
    '<label class="rating-choice" for="{id}">'
    '<input type="radio" name="{name}" value="{value}" class="form-check-input" id="{id}"{checked}>'
    "{label}</label>"
)
SCALE_HTML = '<div class="rating-points">{points}</div><div class="rating-na">{na}</div>'


def _label_html(value: str, label: str) -> str:
    if value == NOT_APPLICABLE:
        return f'<span class="rating-word">{escape(label)}</span>'
    number, word = label.split(" ", 1)
    return (
        f'<span class="rating-number">{escape(number)}</span> '
        f'<span class="rating-word">{escape(word)}</span>'
    )


LABELLED_CHOICES = [(escape(value), _label_html(value, label)) for value, label in RATING_CHOICES]


def rating_radios(name: str, auto_id: str, chosen: str) -> SafeString:
    """The radio buttons for one statement, the `chosen` value checked."""
    name, auto_id = escape(name), escape(auto_id)
    radios = [
        RADIO_HTML.format(
            name=name,
            value=value,
            id=f"{auto_id}_{index}",
            checked=" checked" if value == chosen else "",
            label=label,
        )
        for index, (value, label) in enumerate(LABELLED_CHOICES)
    ]
    # Safe: the names and ids are escaped here, the values and labels above.
    return mark_safe(SCALE_HTML.format(points="".join(radios[:-1]), na=radios[-1]))


class CommentField(forms.CharField):
    """A comment, with line breaks counted as the browser's `maxlength` counts them (one
    character each): browsers send them as two (CR LF), which would make a comment typed up to
    the limit too long when it arrives. A comment holding an NHS number is refused: client
    identifiers are never stored."""

    default_validators = [reject_nhs_numbers]

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return text.replace("\r\n", "\n") if text else text


@dataclass(frozen=True)
class SectionRow:
    """What the template needs to draw one statement, computed once in Python."""

    item: FrameworkItem
    radios: SafeString
    comment_name: str
    comment_id: str
    comment: str
    clear_name: str
    clear_id: str
    clear_checked: bool
    rating_error: str
    comment_error: str


class SectionForm(forms.Form):
    """Fields `rating_<key>`, `comment_<key>` and `clear_<key>` for every item of a section.

    Ratings may be left blank while the questionnaire is a draft; the review page lists them.
    A blank rating leaves a saved answer as it is: only a ticked "clear" removes it.
    """

    def __init__(
        self,
        *args: Any,
        items: list[FrameworkItem],
        ratings: dict[int, ItemRating],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.ratings = ratings
        for item in items:
            rating = ratings.get(item.pk)
            initial = None
            if rating is not None:
                initial = NOT_APPLICABLE if rating.value is None else str(rating.value)
            self.fields[f"rating_{item.key}"] = forms.ChoiceField(
                choices=RATING_CHOICES,
                widget=forms.RadioSelect,
                required=False,
                label=item.target_text,
                initial=initial,
                error_messages={
                    "invalid_choice": "Choose a rating from 1 to 5, or not applicable."
                },
            )
            self.fields[f"comment_{item.key}"] = CommentField(
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                label="Comment (optional)",
                widget=forms.Textarea,
                initial=rating.comment if rating else "",
                error_messages={
                    "max_length": f"Keep the comment to {COMMENT_MAX_LENGTH:,} characters "
                    "or fewer (it has %(show_value)d)."
                },
            )
            self.fields[f"clear_{item.key}"] = forms.BooleanField(
                required=False, label="Clear my answer"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        for item in self.items:
            if cleaned.get(f"clear_{item.key}"):
                continue
            has_comment = cleaned.get(f"comment_{item.key}", "").strip()
            if has_comment and not cleaned.get(f"rating_{item.key}"):
                self.add_error(
                    f"rating_{item.key}",
                    "Choose a rating, or not applicable, to go with your comment.",
                )
        return cleaned

    def rows(self) -> list[SectionRow]:
        """Each item with the values to show: what was posted, else what is saved."""
        rows = []
        for item in self.items:
            rating, comment, clear = (
                self[f"{prefix}_{item.key}"] for prefix in ("rating", "comment", "clear")
            )
            chosen = str(rating.value() or "")
            rows.append(
                SectionRow(
                    item=item,
                    radios=rating_radios(rating.html_name, rating.auto_id, chosen),
                    comment_name=comment.html_name,
                    comment_id=comment.auto_id,
                    comment=comment.value() or "",
                    clear_name=clear.html_name,
                    clear_id=clear.auto_id,
                    clear_checked=bool(clear.value()),
                    rating_error=str(rating.errors[0]) if rating.errors else "",
                    comment_error=str(comment.errors[0]) if comment.errors else "",
                )
            )
        return rows

    def answers(self) -> dict[int, Answer]:
        """The answers this post carries, by item id. Items with a blank rating are left out, so
        a saved answer stays as it is; a post without a comment field keeps the saved comment."""
        result = {}
        for item in self.items:
            choice = self.cleaned_data.get(f"rating_{item.key}")
            if not choice or self.cleaned_data.get(f"clear_{item.key}"):
                continue
            value = None if choice == NOT_APPLICABLE else int(choice)
            if f"comment_{item.key}" in self.data:
                comment = self.cleaned_data.get(f"comment_{item.key}", "").strip()
            else:
                saved = self.ratings.get(item.pk)
                comment = saved.comment if saved else ""
            result[item.pk] = Answer(value=value, comment=comment)
        return result

    def cleared(self) -> set[int]:
        """Items whose answers the therapist chose to clear."""
        return {item.pk for item in self.items if self.cleaned_data.get(f"clear_{item.key}")}


class SubmitForm(forms.Form):
    """Submitting; the sharing choice is offered only when the framework has private statements."""

    shares_sensitive = forms.BooleanField(
        required=False,
        label="Let my supervisor see my answers to the statements marked private",
        help_text="Left unticked, these answers stay private to you and count only in "
        "anonymous service figures.",
    )

    def __init__(self, *args: Any, has_private_statements: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_private_statements:
            del self.fields["shares_sensitive"]
