"""Words too common to say what an article is about (English and Catalan)."""

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

STOP_WORDS = frozenset(ENGLISH.split()) | frozenset(CATALAN.split())
