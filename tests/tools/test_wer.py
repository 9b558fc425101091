from tools.wer import drop_roman_heading, normalize, number_words, ordinal_words


def test_case_punctuation_and_hyphens_do_not_count():
    assert normalize("Ill-disposed, cold—hearted!") == normalize("ill disposed cold hearted")


def test_abbreviations_expand_to_the_spoken_word():
    assert normalize("Mr. John Dashwood, etc.") == "mister john dashwood et cetera"


def test_numbers_and_ordinals_become_words():
    assert normalize("For the 20th time, 1,234 men") == (
        "for the twentieth time one thousand two hundred thirty four men"
    )
    assert number_words(0) == "zero"
    assert ordinal_words(21) == "twenty first"
    assert ordinal_words(12) == "twelfth"


def test_curly_apostrophes_match_straight_ones():
    assert normalize("beauty’s rose") == normalize("beauty's rose")


def test_a_roman_numeral_heading_is_dropped_but_a_sentence_I_is_kept():
    assert drop_roman_heading("I From fairest creatures") == "From fairest creatures"
    assert drop_roman_heading("I think so") == "I think so"
