//! The vocabulary of the extractors, in English, Spanish, Portuguese, French, German and
//! Italian. Words are lower case and folded (no diacritics, `ß` → `ss`) unless said otherwise.
//!
//! Kept out of rustfmt (see `mod.rs`) so the lists stay compact.

/// Phrases after which the name comes, in lower case or not (folded words).
pub(super) const NAME_PHRASES: &[&[&str]] = &[
    &["my", "name", "is"], &["my", "name's"], &["my", "names"], &["my", "full", "name", "is"],
    &["me", "llamo"], &["mi", "nombre", "es"], &["mi", "nombre", "completo", "es"],
    &["je", "m'appelle"], &["je", "mappelle"], &["j'm'appelle"], &["mon", "nom", "est"],
    &["ich", "heisse"], &["ich", "heise"], &["mein", "name", "ist"], &["meu", "nome", "e"],
    &["o", "meu", "nome", "e"], &["me", "chamo"], &["mi", "chiamo"], &["il", "mio", "nome", "e"],
    &["name's"], &["the", "name's"], &["me", "chamar", "de"], &["me", "chamam", "de"],
    &["chamo-me"], &["chamo", "me"],
];

/// Loose phrases: a capitalised, non-common word must follow.
pub(super) const NAME_LOOSE: &[&[&str]] = &[
    &["i'm"], &["im"], &["i", "am"], &["this", "is"], &["it's"], &["soy"], &["sou"], &["sono"],
    &["je", "suis"], &["moi", "c'est"], &["ich", "bin"], &["call", "me"], &["aqui", "e"],
    &["aqui"], &["eu", "sou"],
];

/// Professions written between an article and the name: "soy la licenciada Patricia Gómez"
/// (folded).
pub(super) const PROFESSIONS: &[&str] = &[
    "licenciado", "licenciada", "lic", "ingeniero", "ingeniera", "ing", "arquitecto",
    "arquitecta", "abogado", "abogada", "contador", "contadora", "profesor", "profesora",
    "professor", "professora", "engenheiro", "engenheira", "advogado", "advogada", "senor",
    "senora", "senhor", "senhora",
];

/// Capitalised words that follow "I'm", "soy"… without being names (folded).
pub(super) const NOT_NAMES: &[&str] = &[
    // English
    "fine", "good", "ok", "okay", "well", "great", "interested", "looking", "from", "in", "at",
    "here", "there", "not", "so", "very", "just", "also", "still", "sorry", "glad", "happy",
    "ready", "available", "busy", "calling", "writing", "trying", "back", "sure", "the", "a", "an",
    "your", "yes", "no", "please", "thanks", "thank", "on", "with", "going", "new", "hi", "hello",
    "hey", "and", "i", "my", "me", "we", "you", "it", "is", "a", "customer", "client", "owner",
    "manager", "about", "afraid", "currently", "now", "today", "tomorrow", "asking", "wondering",
    "planning", "moving", "based", "located", "living", "single", "married", "retired", "self",
    "free", "home", "done", "all", "around", "out", "up", "down", "tired", "excited", "curious",
    "unsure", "confused", "lost", "late", "early", "online", "whatsapp", "email", "phone", "mobile",
    "number", "name", "spanish", "english", "american", "british", "german", "french", "italian",
    "portuguese", "brazilian", "mexican", "argentinian", "colombian", "canadian", "irish", "after",
    "before", "still", "only", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "that", "this", "what", "who",
    // Spanish
    "buenas", "hola", "buenos", "dias", "tardes", "noches", "gracias", "de", "del", "el", "la",
    "los", "las", "un", "una", "yo", "muy", "bien", "interesado", "interesada", "cliente", "nuevo",
    "nueva", "aqui", "en", "con", "por", "para", "que", "si", "tu", "su", "mi", "quiero", "busco",
    "necesito", "estoy", "espanol", "espanola", "mexicano", "mexicana", "argentino", "argentina",
    "colombiano", "colombiana", "ingles", "inglesa", "lunes", "martes", "miercoles", "jueves",
    "viernes", "sabado", "domingo", "propietario", "dueno", "duena", "autonomo", "autonoma",
    "particular", "empresa", "yo",
    // Portuguese
    "bom", "boa", "dia", "obrigado", "obrigada", "interessado", "interessada", "um", "uma", "o",
    "do", "da", "brasileiro", "brasileira", "portugues", "portuguesa",
    // French
    "je", "suis", "bonjour", "merci", "interesse", "interessee", "tres", "bien", "francais",
    "francaise", "client", "cliente", "ici",
    // German
    "ich", "bin", "hallo", "danke", "interessiert", "guten", "tag", "sehr", "gut", "kunde",
    "kundin", "deutsch", "deutscher", "deutsche", "aus", "hier",
    // Italian
    "ciao", "grazie", "buongiorno", "interessato", "interessata", "sono", "italiano", "italiana",
    "molto", "qui",
];

/// Courtesy titles kept in front of a name (`Dr. Patel`).
pub(super) const TITLES: &[&str] = &[
    "dr", "dra", "mr", "mrs", "ms", "miss", "sr", "sra", "srta", "don", "dona", "prof", "herr",
    "mme", "mlle", "sig", "dott", "doutor", "doutora",
];

/// Greetings that make a lower-case "hi im sarah" an introduction.
pub(super) const GREETINGS: &[&str] = &[
    "hi", "hello", "hey", "hola", "buenas", "ola", "oi", "bonjour", "salut", "hallo", "servus",
    "ciao", "salve",
];

/// Formal sign-offs after which a name on the next line or after a comma signs the message.
pub(super) const SIGN_OFFS: &[&[&str]] = &[
    &["regards"], &["best", "regards"], &["kind", "regards"], &["saludos", "cordiales"],
    &["atentamente"], &["atenciosamente"], &["cordialement"], &["cordiali", "saluti"],
    &["mit", "freundlichen", "grussen"], &["viele", "grusse"],
];

/// Phrases that say where the customer lives or is based (folded words).
pub(super) const PLACE_PHRASES: &[&[&str]] = &[
    &["i", "live", "in"], &["i", "live", "at"], &["i", "reside", "in"], &["i'm", "based", "in"],
    &["im", "based", "in"], &["i", "am", "based", "in"], &["we're", "based", "in"],
    &["we", "are", "based", "in"], &["we", "live", "in"], &["based", "in"], &["located", "in"],
    &["my", "address", "is"], &["mi", "direccion", "es"], &["meu", "endereco", "e"],
    &["mon", "adresse", "est"], &["meine", "adresse", "ist"], &["il", "mio", "indirizzo", "e"],
    &["vivo", "en"], &["resido", "en"], &["vivimos", "en"], &["j'habite", "a"], &["j'habite", "au"],
    &["j'habite", "en"], &["j'habite", "dans"], &["jhabite", "a"], &["je", "vis", "a"],
    &["je", "vis", "en"], &["ich", "wohne", "in"], &["ich", "lebe", "in"], &["ich", "komme", "aus"],
    &["wohne", "in"], &["wir", "wohnen", "in"], &["moro", "em"], &["moro", "no"], &["moro", "na"],
    &["vivo", "em"], &["vivo", "no"], &["vivo", "na"], &["resido", "em"], &["abito", "a"],
    &["abito", "in"], &["vivo", "a"], &["vivo", "in"],
];

/// Labels followed by a colon: `City: Porto`.
pub(super) const PLACE_LABELS: &[&str] = &[
    "location", "city", "address", "ciudad", "ubicacion", "direccion", "localidad", "cidade",
    "endereco", "ville", "adresse", "stadt", "wohnort", "citta", "indirizzo", "zona", "area",
];

/// Phrases that may introduce a place, or something else ("I'm in a meeting").
pub(super) const PLACE_LOOSE: &[&[&str]] = &[
    &["i'm", "in"], &["im", "in"], &["i", "am", "in"], &["i'm", "from"], &["im", "from"],
    &["i", "am", "from"], &["we're", "in"], &["we", "are", "in"], &["we're", "from"],
    &["estoy", "en"], &["soy", "de"], &["somos", "de"], &["vengo", "de"], &["sou", "de"],
    &["sou", "do"], &["sou", "da"], &["estou", "em"], &["estou", "no"], &["estou", "na"],
    &["je", "suis", "a"], &["je", "suis", "de"], &["je", "viens", "de"], &["j'habite"],
    &["ich", "bin", "aus"], &["ich", "bin", "in"], &["sono", "di"], &["sono", "a"], &["sono", "in"],
    &["vengo", "da"],
];

/// Words that follow those phrases without being places (folded).
pub(super) const NOT_PLACES: &[&str] = &[
    "a", "an", "the", "this", "that", "my", "our", "your", "el", "la", "los", "las", "un", "una",
    "mi", "su", "tu", "casa", "home", "work", "trabajo", "oficina", "office", "meeting", "reunion",
    "touch", "contact", "contacto", "line", "linea", "camino", "way", "hurry", "prisa", "love",
    "charge", "need", "doubt", "duda", "dudas", "talks", "process", "proceso", "espera", "class",
    "clase", "it", "no", "not", "and", "y", "e", "i", "me", "you", "good", "bad", "town", "moment",
    "momento", "vacation", "vacaciones", "holiday", "holidays", "bed", "cama", "there", "here",
    "aqui", "alli", "ahi", "acuerdo", "agreement", "trouble", "sales", "marketing", "it", "fact",
    "general", "principle", "principio", "serio", "question", "today", "tomorrow", "now", "hoy",
    "manana", "ahora", "esa", "ese", "eso", "esta", "este", "esto", "buenas", "nuevo", "nueva",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lunes", "martes",
    "miercoles", "jueves", "viernes", "sabado", "domingo", "empresa", "company", "equipo", "team",
    "parte", "part", "behalf", "nome", "nombre", "name", "um", "uma", "o", "os", "as", "le", "les",
    "der", "die", "das", "ein", "eine", "il", "lo", "gli", "uno", "interessado", "interesado",
    "interested", "contato", "urgencia", "urgent", "ferias", "mais", "muy", "very", "so", "just",
    "only", "still", "also", "english", "spanish", "espanol", "ingles", "whatsapp", "email",
    "phone", "telefono", "ello", "paro", "marcha", "contra", "favor", "busca", "obras", "viaje",
    "ruta", "descanso", "baja", "luck", "need", "search", "transit", "progress", "quiero", "want",
    "necesito", "busco", "looking", "gostaria", "quero", "voudrais", "mochte", "vorrei", "would",
    "like", "please", "por", "gracias", "thanks", "thank", "hi", "hello", "hola", "ok", "okay",
    "vale", "pero", "but", "for", "para", "con", "with", "since", "desde", "until", "hasta",
];

/// First words of street addresses, after which house numbers are part of the place.
pub(super) const STREET_WORDS: &[&str] = &[
    "calle", "c", "avenida", "avda", "av", "plaza", "paseo", "rua", "rue", "via", "viale", "street",
    "st", "road", "rd", "avenue", "ave", "strasse", "str", "carrer", "travessa", "largo",
    "boulevard", "camino",
];

/// Top-level domains accepted after a comma typed instead of a dot (`ana@gmail,com`).
pub(super) const COMMA_TLDS: &[&str] = &[
    "com", "es", "net", "org", "fr", "de", "it", "pt", "br", "co", "uk", "mx", "ar", "cl", "eu",
    "io", "info",
];

/// Words saying an address is the customer's own (folded).
pub(super) const OWN: &[&str] = &[
    "my", "mine", "me", "personal", "mi", "mio", "mia", "meu", "minha", "mon", "ma", "moi", "mein",
    "meine", "mich", "escribeme", "escribirme", "contactame", "email", "correo", "mail",
];

/// Words right before a number that make it a reference rather than a phone (folded).
pub(super) const REFERENCE_WORDS: &[&str] = &[
    "order", "orden", "pedido", "ref", "reference", "referencia", "invoice", "factura", "ticket",
    "booking", "reserva", "reservation", "tracking", "seguimiento", "id", "code", "codigo", "cp",
    "zip", "postcode", "postal", "dni", "nif", "nie", "cif", "iban", "account", "cuenta",
    "commande", "facture", "bestellung", "rechnung", "ordine", "fattura", "encomenda", "fatura",
    "expediente", "poliza", "policy", "serial", "ssn", "vat", "pin", "card", "tarjeta", "customer",
    "cliente", "client", "kunde", "kundennummer", "contrato", "contract", "contratto", "vertrag",
    "matricula", "plate", "modelo", "model", "sku", "lote", "batch",
];

/// Words or symbols right after a number that make it an amount or a measure.
pub(super) const UNIT_WORDS: &[&str] = &[
    "€", "$", "£", "eur", "euro", "euros", "usd", "dollars", "dolares", "dólares", "reais", "pesos",
    "%", "km", "kg", "m2", "m²", "h", "min", "k", "units", "unidades", "uds",
];

/// Words that start a new clause.
pub(super) const CONJUNCTIONS: &[&str] = &[
    "and", "but", "or", "so", "because", "however", "although", "though", "y", "pero", "o",
    "porque", "aunque", "sino", "e", "mas", "ou", "porém", "et", "mais", "parce", "und", "aber",
    "oder", "weil", "oppure", "perché", "perche", "while", "mientras", "then", "luego", "entonces",
    "also", "también",
];

/// Lower-case words that may sit inside a name or place (`María de la Cruz`, `Frankfurt am Main`).
pub(super) const PARTICLES: &[&str] = &[
    "de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "van", "von", "der", "den",
    "am", "sur", "upon", "le", "el", "y",
];

/// People other than the customer, and possessives that point at them (folded).
pub(super) const THIRD_PARTY: &[&str] = &[
    // English
    "wife", "husband", "partner", "colleague", "coworker", "co-worker", "boss", "manager",
    "assistant", "secretary", "friend", "son", "daughter", "mother", "mom", "mum", "father", "dad",
    "brother", "sister", "girlfriend", "boyfriend", "cousin", "uncle", "aunt", "neighbor",
    "neighbour", "his", "her", "their", "him", "them", "she", "your", "yours", "someone",
    "somebody",
    // Spanish
    "esposa", "esposo", "marido", "mujer", "novia", "novio", "pareja", "companero", "companera",
    "colega", "jefe", "jefa", "asistente", "secretaria", "secretario", "amigo", "amiga", "hijo",
    "hija", "madre", "padre", "mama", "papa", "hermano", "hermana", "primo", "prima", "tio", "tia",
    "vecino", "vecina", "empleado", "empleada", "tu", "tus", "su", "sus", "vuestro", "vuestra",
    "usted", "alguien",
    // Portuguese
    "marido", "mulher", "namorada", "namorado", "chefe", "filho", "filha", "mae", "pai", "irmao",
    "irma", "dele", "dela", "seu", "sua", "voces", "voce",
    // French
    "femme", "mari", "collegue", "patron", "patronne", "assistante", "ami", "amie", "fils", "fille",
    "mere", "pere", "frere", "soeur", "copine", "copain", "votre", "ton", "ta",
    // German
    "ehefrau", "ehemann", "kollege", "kollegin", "chefin", "assistentin", "sekretarin", "freund",
    "freundin", "sohn", "tochter", "mutter", "vater", "bruder", "schwester", "dein", "deine",
    "euer", "eure",
    // Italian
    "moglie", "marito", "capo", "amico", "fidanzata", "fidanzato", "figlio", "figlia", "fratello",
    "sorella", "tuo", "tua", "vostro", "vostra",
];

/// Words that make a capitalised phrase an organisation, not a person or a place (folded).
pub(super) const ORGANISATION_WORDS: &[&str] = &[
    "inc", "ltd", "llc", "corp", "corporation", "company", "co", "group", "gmbh", "ag", "sl", "sa",
    "slu", "srl", "spa", "lda", "ltda", "sarl", "sas", "plc", "bv", "services", "solutions",
    "consulting", "plumbing", "clinic", "clinica", "studio", "shop", "store", "restaurant", "hotel",
    "agency", "agencia", "team", "bank", "banco", "school", "academy", "academia", "university",
    "universidad", "hospital", "partners", "associates", "holdings", "industries", "systems",
    "technologies", "tech", "labs", "media", "marketing", "logistics", "construcciones",
    "inmobiliaria", "realty", "properties", "ventures", "capital", "insurance", "seguros",
    "abogados", "asesoria", "gestoria", "taller", "motors", "foods", "dental",
];

/// Words that turn what follows into something the customer does not want used (folded).
pub(super) const NEGATIONS: &[&str] = &[
    "don't", "dont", "not", "never", "nunca", "jamas", "pas", "nicht", "kein", "keine", "non",
    "nao", "rather", "prefiero", "prefer", "old", "former", "previous", "antiguo", "antigua",
    "anterior", "viejo", "vieja", "ancien", "ancienne", "alte", "alten", "alter", "altes",
    "vecchio", "vecchia", "antigo", "antiga", "wrong", "equivocado", "incorrecto",
];

/// Possessives before [`POSSESSED_ONLY`] words.
pub(super) const POSSESSIVES: &[&str] = &[
    "my", "mi", "mis", "meu", "minha", "mon", "ma", "mein", "meine", "meiner", "meinem", "meinen",
    "mio", "mia", "our", "nuestra", "nuestro", "unsere", "notre",
];

/// Words after which Spanish `no` negates a request (`no me llames al …`); elsewhere `no` is
/// Portuguese "in the" (`me liga no 912…`) or a plain answer.
pub(super) const NO_NEGATES: &[&str] = &[
    "me", "te", "lo", "la", "llames", "llamen", "llamar", "uses", "usen", "usar", "escribas",
    "escribir", "envies", "enviar", "mandes", "mandar", "es", "call", "use", "contact",
];

/// Capitalised contractions ending in `'s` that are not someone's possessive.
pub(super) const NOT_POSSESSIVE: &[&str] = &[
    "it's", "here's", "that's", "what's", "there's", "name's", "number's", "email's", "who's",
    "where's", "let's", "how's", "phone's", "mine's", "everything's",
];

/// German words for spouse that are also ordinary nouns (`Frau Müller`): third party only
/// after a possessive.
pub(super) const POSSESSED_ONLY: &[&str] = &["frau", "mann"];

/// Articles that may precede a street word.
pub(super) const ARTICLES: &[&str] = &["la", "el", "a", "the", "o", "na", "no", "in", "der", "die"];

/// Words after a name that mean "speaking": `Ana here`, `Ana aquí`.
pub(super) const HERE: &[&str] = &["here", "aqui", "ici", "hier", "qui"];

/// Labels followed by a colon: `Name: Ana López`.
pub(super) const NAME_LABELS: &[&str] = &[
    "name", "nombre", "nome", "nom", "my name", "mi nombre", "contact", "contacto", "contato",
    "full name", "nombre completo", "nome completo",
];

/// Month names, which some places share ("in March", "en Mayo").
pub(super) const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "setiembre", "octubre", "noviembre", "diciembre", "janeiro",
    "fevereiro", "marco", "maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro",
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
    "octobre", "novembre", "decembre", "januar", "februar", "marz", "juni", "juli", "oktober",
    "dezember", "gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre",
    "ottobre", "dicembre",
];

/// Words of a bot's message asking for the customer's name (folded).
pub(super) const ASK_NAME_WORDS: &[&str] = &[
    "name", "name's", "names", "nombre", "nome", "nom", "llamas", "llama", "chama", "chamas",
    "heissen", "heisst", "chiami", "chiama", "appelez", "appelles",
];

/// Phrases of a bot's message asking who the customer is (folded words).
pub(super) const ASK_NAME_PHRASES: &[&[&str]] = &[
    &["who", "am", "i"], &["who", "is", "this"], &["who", "should", "i"], &["con", "quien"],
    &["a", "quien"], &["com", "quem"], &["quem", "e"], &["quien", "eres"], &["quien", "es"],
    &["who", "are", "you"], &["wer", "sind"], &["chi", "sei"],
];

/// Words of a bot's message asking where the customer is (folded).
pub(super) const ASK_PLACE_WORDS: &[&str] = &[
    "where", "whereabouts", "where's", "donde", "onde", "wo", "woher", "dove", "city", "town",
    "ciudad", "cidade", "ville", "stadt", "citta", "localidad", "ubicacion", "location", "zona",
    "area", "postcode", "barrio", "bairro", "provincia", "estado", "state", "county", "comuna",
    "municipio", "colonia", "region", "regiao", "distrito", "suburb", "neighbourhood",
    "neighborhood", "concelho", "freguesia",
];

/// Places a bot may ask about that are not the customer's ("where is the listing?"): a
/// question about one of these, without "you", asks nothing of the customer (folded).
pub(super) const ASK_PLACE_OTHER: &[&str] = &[
    "listing", "property", "store", "shop", "office", "tienda", "oficina", "local", "loja",
    "event", "evento", "package", "parcel", "paquete", "pedido", "order",
];

/// Words that say "you" in a bot's question (folded).
pub(super) const YOU: &[&str] = &[
    "you", "your", "you're", "ye", "tu", "te", "vos", "sos", "usted", "ustedes", "estas", "eres",
    "vives", "escribes", "encuentras", "voce", "vc", "mora", "esta", "vous", "du", "sie", "ihr",
    "lei", "sei", "nos",
];

/// Words before a place that say the customer is there or comes from there (folded): "en
/// Zaragoza", "desde Vigo", "from Glasgow", "em São Paulo". Not "a", "to", "para": those point
/// where something goes.
pub(super) const LOCATIVES: &[&str] = &[
    "in", "from", "near", "outside", "around", "en", "desde", "de", "del", "em", "no", "na",
    "do", "da", "perto", "cerca", "aus", "bei", "di", "dans", "pres",
];

/// Words in the clause before a place that make it somewhere the customer goes or sends
/// something, not where they are (folded).
pub(super) const TRAVEL: &[&str] = &[
    "go", "going", "travel", "travelling", "traveling", "trip", "visit", "visiting", "fly",
    "flight", "flights", "holiday", "vacation", "hotel", "ir", "voy", "vamos", "viajar", "viaje",
    "vuelo", "vuelos", "visitar", "vacaciones", "viagem", "viajo", "passagem", "voar", "conhecer",
    "aller", "voyage", "reisen", "reise", "andare", "viaggio", "deliver", "delivery", "ship",
    "shipping", "send", "envio", "envios", "enviar", "despacho", "entrega", "entregar",
    "entregam", "mandar", "cover", "serve", "atienden", "atendem", "cubren", "llegan",
];

/// Words of a clause saying the customer works there, not lives there ("trabajo en Braga").
pub(super) const WORKING: &[&str] = &[
    "work", "works", "working", "trabajo", "trabajamos", "trabaja", "trabalho", "trabalhamos",
    "trabalha", "travaille", "arbeite", "arbeiten", "lavoro", "employed", "job",
];

/// Words of a clause saying the customer is looking for something at a place, which is then
/// where they want it, not necessarily where they are (folded).
pub(super) const SEEKING: &[&str] = &[
    "looking", "search", "searching", "seeking", "buscando", "busco", "buscamos", "procuro",
    "procurando", "procuramos", "cherche", "cherchons", "suche", "suchen", "cerco", "cerchiamo",
];

/// Words that open a short reply without being part of the answer: "ok fair, Norwich",
/// "sí, de Rosario", "sorry, Liam", "con Iria" (folded).
pub(super) const REPLY_OPENERS: &[&str] = &[
    "ok", "okay", "oki", "fair", "yes", "yeah", "yep", "sure", "si", "sim", "no", "nao", "claro",
    "bueno", "vale", "pues", "well", "lol", "jaja", "jajaja", "haha", "sorry", "perdona", "perdon",
    "desculpa", "oh", "ah", "it's", "its", "es", "e", "just", "con", "com", "of", "course",
];

/// Acknowledgements, greetings and small talk that are never a name (folded).
pub(super) const NOT_NAMES_IN_REPLIES: &[&str] = &[
    "perfecto", "perfecta", "perfect", "genial", "vale", "dale", "listo", "lista", "claro",
    "bueno", "cool", "nice", "awesome", "excelente", "excellent", "otimo", "beleza", "certo",
    "tranquilo", "gracias", "obrigado", "obrigada", "cheers", "ta", "thx", "ty", "lol", "jaja",
    "jajaja", "haha", "ok", "okay", "sim", "si", "yes", "yeah", "yep", "nope", "nah", "hmm",
    "sorry", "perdon", "perdona", "desculpa", "porfa", "please", "pls", "plis", "info", "precio",
    "price", "prices", "precios", "preco", "quote", "presupuesto", "orcamento", "cotizacion",
    "help", "ayuda", "ajuda", "urgente", "urgent", "whatsapp", "why", "por", "que", "porque",
    "what", "como", "hello", "morning", "afternoon", "evening", "night", "tarde", "noche",
    "noite", "dia", "dias", "day", "everyone", "todos", "gente", "anyone", "nadie", "nobody",
    "dime", "tell", "espera", "wait", "momento", "moment", "prefiero", "rather", "secret",
    "secreto", "anonimo", "anonymous", "prefer", "hiya", "howdy", "yo", "oi", "ola", "g'day",
    "gday", "hey", "hallo", "buenas", "saludos", "greetings",
];

/// Words of a clause saying the customer moves or moved (the place is an origin or a
/// destination, not where they are now).
pub(super) const MOVING: &[&str] = &[
    "moved", "moving", "move", "relocating", "relocate", "relocated", "mudo", "mudamos", "mude",
    "mudando", "mudar", "mudanza", "mudei", "mudamos", "demenage", "demenageons", "umziehen",
    "umgezogen", "trasferisco", "trasloco",
];

/// Words of a clause about the business's own premises ("do you have a store in Houston?",
/// "¿tienen sucursal en León?").
pub(super) const PREMISES: &[&str] = &[
    "store", "stores", "branch", "branches", "shop", "shops", "showroom", "outlet", "sucursal",
    "sucursales", "tienda", "tiendas", "local", "locales", "loja", "lojas", "filial", "filiais",
    "boutique", "magasin", "geschaft", "filiale", "negozio",
];

/// Second-person possessives: the place that follows is the business's ("your shop in
/// Leeds", "vuestro local de Murcia").
pub(super) const YOUR: &[&str] = &[
    "your", "yours", "vuestro", "vuestra", "vuestros", "vuestras", "votre", "vos", "ihr", "ihre",
    "ihrem", "ihren", "vostro", "vostra",
];
