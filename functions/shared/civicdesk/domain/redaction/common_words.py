"""Ordinary words that look like an inflected name (``dana`` of ``Dan``, ``radi`` of ``Rade``,
``ulica`` of ``Ulić``) and are never redacted as one (a data table).

An inflected form in it is never a name; a word that *is* a name part as typed (``Dana``, the
requester's name) is one only when it begins with a capital letter. Words are
compared in lower case and Latin script with their diacritics (``transliteration.spelling``), so
each counts in both scripts, and ``Ulića`` (a name's form) is not ``ulica`` (a street).
"""

from __future__ import annotations

from .transliteration import spelling

_WORDS = """
dan dana danu dane dani danom danas danima
rad rada radu rade radi radom radova radove radimo radite rade radnik radnici radno radni
mir mira miru mirom miran mirno vera veru vere veri verom veran verovatno
nad nada nade nadi nadu nadom nadam nađi nađe nađu
mil mila mili milo milu milom mile milion miliona
sav sva sve svi svu svom svoj svoja svoje svoji
put puta putu putem pute putevi puteva
vod voda vode vodi vodu vodom vodovod vodovoda
grad grada gradu gradom gradovi gradski gradska
broj broja broju brojem brojevi
rok roka roku rokom rokovi
pas psa psi psu pasa
tim tima timu timom
sat sata satu satom sati
let leta letu leti lete
mes mesto mesta mestu mestom
dom doma domu domom
red reda redu redom redovi
kraj kraja kraju krajem
stan stana stanu stanom stanovi stanari stanje stanja stanju stanjem stanja
most mosta mostu mostom
park parka parku parkom
ime imena imenu
ani ano ale ona ono oni ony ovo ova ove ovi ova onu onom ovom
jak jaka jake jako jaký jaká kde kdy kdo pro při pod nad bez pak jen již
den dne dni dnem dnes dny dnu
rok roky roků roce
byl byla bylo byli jsme jsou jste
nám vám nás vás jim jich jej její jeho
lidé lidi lidem
město města městu městem
ulice ulici ulic
voda vody vodě vodou
práce prací
část části
den dne
den dni
mar mara mare maru
ден дена дни дните деня
вода водата води
път пътя пътища
град града градът
работа работи работим работата
мир мира
нов нова нове нови ново
още има няма
mi mu me se si ste su smo
ida ide idu idi idem ideš idemo idete
ovaj ovu
ban bana banu
bor bora boru borom
car cara caru
con
sin sina sinu sinom sinovi
zor zora zore zoru
dragi draga drago drage
tom toga tome tomu
ter tera teru
sam sama samo sami same
lep lepa lepo lepe lepi
zima zime zimi zimu
leto leta letu
pera pere peru perom
jug juga jugu
sever severa
ruž ruža ruže
vid vida vidi vidu vidim vidimo
nos nosi nosu
mak maka
lada lade ladu
rod roda rodu
vuk vuka vuku
stol stola stolu
tok toka toku
zid zida zidu zidom
bel bela belo beli bele
ulica ulicu ulicom ulice ulici ulicama
ekipa ekipe ekipi ekipu ekipom
struja struje struji struju
rupa rupe rupi rupu rupom
lampa lampe lampi lampu
kvar kvara kvaru kvarom kvarovi
zgrada zgrade zgradi zgradu
škola škole školi školu
bolnica bolnice bolnici
pošta pošte pošti poštu
opština opštine opštini opštinu
uprava uprave upravi upravu
služba službe službi službu
prijava prijave prijavi prijavu
молба молбата сигнал сигнала сигналът
""".split()

#: ``_WORDS`` as ``spelling`` writes them.
COMMON_WORDS = frozenset(spelling(word) for word in _WORDS)
