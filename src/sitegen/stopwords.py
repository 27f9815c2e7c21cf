"""Words too common to say what an article is about, per language."""

ENGLISH = """
a about above after again against all also although am among an and any are around as at be because
been before being below between both but by can could did do does doing down during each either else
even ever every few for from further had has have having he her here hers herself him himself his how
however i if in into is it its itself just least less like made make many may me might more most much
must my myself near neither no nor not now of off often on once one only or other others our ours
ourselves out over own per perhaps rather said same say says several she should since so some still
such than that the their theirs them themselves then there these they this those though through thus
to too two under until up upon us very via was we well were what when where whether which while who
whom whose why will with within without would yet you your yours yourself yourselves new also told
year years week weeks day days time according including
"""

CATALAN = """
a abans això al algun alguna alguns algunes als allà aquell aquella aquelles aquells aquest aquesta
aquestes aquests així amb aquí cada com contra d de del dels des des de després dins doncs durant el
ella elles ells els em en entre era eren és és esta està estan estat ha han havia hem hi ho i jo la
les li llavors lo mateix me mentre meu meva més molt molts na no nosaltres o on per però perquè poc
quan que qui quin quina quins quines se segons sense ser seu seva seus seves si sobre son són també
tant te tenir teu tot tota totes tots tu un una unes uns va van vostè vosaltres ja encara fins
"""

SPANISH = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas
ellos en entre era eran es esa esas ese eso esos esta estaba estado estan estar este esto estos fue fueron ha
han hasta hay la las le les lo los mas me mi muy nada ni no nos o otra otro para pero por porque que quien
se sea ser si sin sobre son su sus tambien te tiene tienen todo todos tras un una uno unos y ya año años
"""

FRENCH = """
a au aux avec ce ces cette dans de des du elle elles en est et eux il ils je la le les leur leurs lui mais
me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sont sur ta te tes toi
ton tu un une vos votre vous y ete etre fait plus comme aussi apres avant entre sans tout tous cette ans
"""

GERMAN = """
aber alle als also am an auch auf aus bei bin bis das dass dem den der des die doch dort du durch ein eine
einem einen einer eines er es fur hat hatte ich ihr im in ist ja jetzt kann kein mit nach nicht noch nur
oder schon sein sich sie sind so uber um und uns von vor war wie wir wird zu zum zur jahr jahre
"""

_BY_LANGUAGE = {"en": ENGLISH, "ca": CATALAN, "es": SPANISH, "fr": FRENCH, "de": GERMAN}


def stop_words(language: str) -> frozenset[str]:
    """The site's language's stop words, plus English ones (quotes and names cross languages)."""
    base = language.replace("_", "-").split("-")[0].lower()
    return frozenset(ENGLISH.split()) | frozenset(_BY_LANGUAGE.get(base, "").split())
