"""Behavioural-science reference data: COM-B, TDF v2 and the Behaviour Change Wheel, and the
kinds of framework section that build on them.

These are published taxonomies, not a service's own analysis, so they are constants loaded into
the database by `ensure_taxonomy()` rather than versioned with a framework. This module imports
nothing from Django's app registry, so pure code (scoring) can use it.
Sources: Michie et al. 2011 (COM-B, BCW); Cane, O'Connor & Michie 2012 (TDF v2).
"""

from django.db.models import TextChoices


class SectionKind(TextChoices):
    BARRIERS = "barriers", "COM-B barriers"
    BEHAVIOURS = "behaviours", "Therapist behaviours"
    COLLABORATION = "collaboration", "Collaboration"
    OUTCOMES = "outcomes", "Clinical outcomes"


# Clinical outcomes describe clients, so therapists rate every kind of section except them.
RATED_SECTION_KINDS = frozenset(
    {SectionKind.BARRIERS, SectionKind.BEHAVIOURS, SectionKind.COLLABORATION}
)

# A stable item key ("C16", "ST3", "CO-2"): capital letters, digits and hyphens, at most 20.
ITEM_KEY_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,19}$"
ITEM_KEY_RULE = "capital letters, digits and hyphens (at most 20)"

COM_B_COMPONENTS = [
    ("C", "Capability"),
    ("O", "Opportunity"),
    ("M", "Motivation"),
]

COMPONENT_CODES = frozenset(code for code, _name in COM_B_COMPONENTS)

# (code, component, name, definition)
COM_B_SUBCOMPONENTS = [
    (
        "C-Ph",
        "C",
        "Physical capability",
        "Physique and musculoskeletal functioning: physical skill, strength, stamina.",
    ),
    (
        "C-Ps",
        "C",
        "Psychological capability",
        "Mental functioning: knowledge, psychological skills, memory, attention, decisions.",
    ),
    (
        "O-Ph",
        "O",
        "Physical opportunity",
        "The inanimate environment and time: resources, locations, cues, money.",
    ),
    (
        "O-So",
        "O",
        "Social opportunity",
        "Other people and organisations: culture, norms, social cues.",
    ),
    (
        "M-Re",
        "M",
        "Reflective motivation",
        "Conscious plans (intentions) and evaluations (beliefs).",
    ),
    ("M-Au", "M", "Automatic motivation", "Emotions, desires, impulses, habits and drive states."),
]

# (slug, number, name, COM-B sub-components it maps to)
TDF_DOMAINS = [
    ("knowledge", 1, "Knowledge", ["C-Ps"]),
    ("skills", 2, "Skills", ["C-Ps", "C-Ph"]),
    (
        "social-professional-role-identity",
        3,
        "Social/professional role and identity",
        ["M-Re", "M-Au"],
    ),
    ("beliefs-about-capabilities", 4, "Beliefs about capabilities", ["M-Re"]),
    ("optimism", 5, "Optimism", ["M-Re", "M-Au"]),
    ("beliefs-about-consequences", 6, "Beliefs about consequences", ["M-Re"]),
    ("reinforcement", 7, "Reinforcement", ["M-Au"]),
    ("intentions", 8, "Intentions", ["M-Re"]),
    ("goals", 9, "Goals", ["M-Re"]),
    ("memory-attention-decision", 10, "Memory, attention and decision processes", ["C-Ps"]),
    ("environmental-context-resources", 11, "Environmental context and resources", ["O-Ph"]),
    ("social-influences", 12, "Social influences", ["O-So"]),
    ("emotion", 13, "Emotion", ["M-Au"]),
    ("behavioural-regulation", 14, "Behavioural regulation", ["C-Ps"]),
]

# (slug, name, definition, service-level only)
INTERVENTION_FUNCTIONS = [
    ("education", "Education", "Increasing knowledge or understanding.", False),
    (
        "persuasion",
        "Persuasion",
        "Using communication to induce positive or negative feelings or stimulate action.",
        False,
    ),
    ("incentivisation", "Incentivisation", "Creating an expectation of reward.", False),
    ("coercion", "Coercion", "Creating an expectation of punishment or cost.", True),
    ("training", "Training", "Imparting skills.", False),
    (
        "restriction",
        "Restriction",
        "Using rules to reduce the opportunity to engage in the behaviour or competing ones.",
        True,
    ),
    (
        "environmental-restructuring",
        "Environmental restructuring",
        "Changing the physical or social context.",
        False,
    ),
    ("modelling", "Modelling", "Providing an example for people to aspire to or imitate.", False),
    (
        "enablement",
        "Enablement",
        "Increasing means or reducing barriers beyond education, training and restructuring.",
        False,
    ),
]

# TDF domain -> intervention functions likely to change it (BCW guide mapping).
TDF_INTERVENTION_FUNCTIONS = {
    "knowledge": ["education"],
    "skills": ["training"],
    "memory-attention-decision": ["training", "environmental-restructuring", "enablement"],
    "behavioural-regulation": ["education", "training", "modelling", "enablement"],
    "social-professional-role-identity": ["education", "persuasion", "modelling"],
    "beliefs-about-capabilities": ["education", "persuasion", "modelling", "enablement"],
    "optimism": ["education", "persuasion", "modelling", "enablement"],
    "beliefs-about-consequences": ["education", "persuasion", "modelling"],
    "intentions": [
        "education",
        "persuasion",
        "incentivisation",
        "coercion",
        "modelling",
        "enablement",
    ],
    "goals": ["education", "persuasion", "incentivisation", "coercion", "modelling", "enablement"],
    "reinforcement": ["training", "incentivisation", "coercion", "environmental-restructuring"],
    "emotion": ["persuasion", "incentivisation", "coercion", "modelling", "enablement"],
    "environmental-context-resources": [
        "training",
        "restriction",
        "environmental-restructuring",
        "enablement",
    ],
    "social-influences": ["restriction", "environmental-restructuring", "modelling", "enablement"],
}
