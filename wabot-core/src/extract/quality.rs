//! The quality check of [`super::parse_message`]: realistic customer messages with the fields a
//! careful human would take from each, scored per field for precision and recall.
//!
//! Hard cases stay in the table even when the parser misses them: a miss counts against recall,
//! a wrong or foreign value against precision. Run with
//! `cargo test -p wabot-core extract -- --nocapture` to print the figures.

use super::parse_message;
use crate::domain::LeadFields;

/// One message and what should be extracted from it.
struct Case {
    text: &'static str,
    region: Option<&'static str>,
    name: Option<&'static str>,
    email: Option<&'static str>,
    location: Option<&'static str>,
    phone: Option<&'static str>,
}

/// A case with nothing to extract.
const fn none(text: &'static str, region: Option<&'static str>) -> Case {
    Case {
        text,
        region,
        name: None,
        email: None,
        location: None,
        phone: None,
    }
}

/// Shorthand for a case: `(text, region, name, email, location, phone)`.
const fn case(
    text: &'static str,
    region: Option<&'static str>,
    name: Option<&'static str>,
    email: Option<&'static str>,
    location: Option<&'static str>,
    phone: Option<&'static str>,
) -> Case {
    Case {
        text,
        region,
        name,
        email,
        location,
        phone,
    }
}

const ES: Option<&str> = Some("ES");
const GB: Option<&str> = Some("GB");
const US: Option<&str> = Some("US");
const PT: Option<&str> = Some("PT");
const BR: Option<&str> = Some("BR");
const FR: Option<&str> = Some("FR");
const DE: Option<&str> = Some("DE");
const IT: Option<&str> = Some("IT");

#[rustfmt::skip]
fn table() -> Vec<Case> {
    vec![
        // English.
        case("Hi, my name is Ana López and I'd like a quote", ES, Some("Ana López"), None, None, None),
        none("hello im looking for info about your dental implants", ES),
        none("I'm interested in the 3-bedroom flat, is it still available?", GB),
        case("Sure, it's ana.lopez@gmail.com", ES, None, Some("ana.lopez@gmail.com"), None, None),
        case("My number is +34 612 34 56 78, call me after 5pm", None, None, None, None, Some("+34612345678")),
        case("you can reach me at (415) 555-2671", US, None, None, None, Some("+14155552671")),
        case("I'm Ana, I live in Madrid. Email: ana@example.com", ES, Some("Ana"), Some("ana@example.com"), Some("Madrid"), None),
        none("My wife's email is laura@example.com, she handles the paperwork", GB),
        none("please don't call me at 612 345 678, call my assistant at 699 111 222 instead", ES),
        case("I'd rather not give my phone number, email is fine: tom.baker@outlook.com", GB, None, Some("tom.baker@outlook.com"), None, None),
        none("I'd rather not give my phone", GB),
        none("I'm fine thanks, how much does it cost?", GB),
        case("This is Mark Evans from Leeds, my mobile is 07911 123456", GB, Some("Mark Evans"), None, Some("Leeds"), Some("+447911123456")),
        none("Order #48213 hasn't arrived, I paid 1.299 € on 12/03/2024", ES),
        none("my order number is 612345678", ES),
        case("based in Manchester, we're a small team of 12", GB, None, None, Some("Manchester"), None),
        case("hi its john smith here", GB, Some("John Smith"), None, None, None),
        none("Sorry I'm in a meeting, can you text me later?", GB),
        none("The invoice is for my colleague, his number is +44 7911 123456", GB),
        case("Contact me on tom@example.co.uk or 020 7123 4567", GB, None, Some("tom@example.co.uk"), None, Some("+442071234567")),
        case("I live in new york city and my number is (212) 736-1100", US, None, None, Some("New York City"), Some("+12127361100")),
        none("I am from the marketing agency that called you yesterday", GB),
        none("I'm Interested in a demo for my company", US),
        none("Thanks! I'm Ana's husband, she told me to write", GB),
        case("my emial is peter.k@gmial.com", GB, None, Some("peter.k@gmial.com"), None, None),
        case("hi im sarah, email sarah92@yahoo,com", US, Some("Sarah"), Some("sarah92@yahoo.com"), None, None),
        case("Name: Peter Novak\nEmail: peter.novak@seznam.cz\nCity: Prague\nPhone: +420 601 234 567", None, Some("Peter Novak"), Some("peter.novak@seznam.cz"), Some("Prague"), Some("+420601234567")),
        none("price for 2 people from 10.06.2025 to 17.06.2025?", ES),
        case("im from spain", None, None, None, Some("Spain"), None),
        // Spanish.
        case("Hola! Me llamo Carlos Ruiz, vivo en Sevilla", ES, Some("Carlos Ruiz"), None, Some("Sevilla"), None),
        case("mi correo es carlos.ruiz@hotmail.es y mi móvil 612 345 678", ES, None, Some("carlos.ruiz@hotmail.es"), None, Some("+34612345678")),
        case("soy de valencia, quería info sobre los precios", ES, None, None, Some("Valencia"), None),
        case("Soy María, estoy en Barcelona esta semana", ES, Some("María"), None, Some("Barcelona"), None),
        none("el correo de mi esposa es lucia@gmail.com, yo no tengo", ES),
        none("Prefiero no dar mi teléfono por ahora", ES),
        case("me llamo jose luis, mi numero es el 699.11.22.33", ES, Some("Jose Luis"), None, None, Some("+34699112233")),
        none("Buenas tardes, quisiera una cita para el 15/06 a las 10:30", ES),
        none("El presupuesto de 2.500€ me parece caro", ES),
        case("Mi nombre es Lucía Fernández y mi email es LUCIA.F@Gmail.com", ES, Some("Lucía Fernández"), Some("LUCIA.F@gmail.com"), None, None),
        case("no me llames al 612 345 678 que es del trabajo, mejor escríbeme a pedro@empresa.es", ES, None, Some("pedro@empresa.es"), None, None),
        case("Estoy interesado en el curso de inglés, soy Pablo", ES, Some("Pablo"), None, None, None),
        case("vivo en la calle Mayor 5 de Alcalá", ES, None, None, Some("calle Mayor 5 de Alcalá"), None),
        case("Llámame al +34 699 12 34 56 o escríbeme, me llamo Raquel", ES, Some("Raquel"), None, None, Some("+34699123456")),
        case("mi teléfono antiguo era 612 000 111, el nuevo es 699 222 333", ES, None, None, None, Some("+34699222333")),
        none("Mi DNI es 12345678Z y mi código postal 28013", ES),
        case("we are in Valencia and my husband's phone is 611 22 33 44", ES, None, None, Some("Valencia"), None),
        case("call me 612345678", ES, None, None, None, Some("+34612345678")),
        case("Hola soy Ana de Madrid, mi whatsapp es este mismo", ES, Some("Ana"), None, Some("Madrid"), None),
        none("ok perfecto", ES),
        case("Buenos días, mi mail es  marta_gil@yahoo.es.", ES, None, Some("marta_gil@yahoo.es"), None, None),
        // Portuguese.
        case("Olá, meu nome é João Silva e moro em Lisboa", PT, Some("João Silva"), None, Some("Lisboa"), None),
        case("Pode me ligar no 912 345 678", PT, None, None, None, Some("+351912345678")),
        none("o email da minha esposa é rita@sapo.pt", PT),
        case("sou do Porto, meu email é joao.p@gmail.com", PT, None, Some("joao.p@gmail.com"), Some("Porto"), None),
        case("Oi! me chamo Beatriz, meu celular é (11) 91234-5678", BR, Some("Beatriz"), None, None, Some("+5511912345678")),
        // French.
        case("Bonjour, je m'appelle Élodie Martin et j'habite à Lyon", FR, Some("Élodie Martin"), None, Some("Lyon"), None),
        case("Mon numéro: 06 12 34 56 78", FR, None, None, None, Some("+33612345678")),
        none("Je suis intéressé par votre offre", FR),
        none("Vous pouvez écrire à mon mari: paul.durand@orange.fr", FR),
        case("je suis à Marseille, mon mail c'est claire@free.fr", FR, None, Some("claire@free.fr"), Some("Marseille"), None),
        // German.
        case("Hallo, ich heiße Jonas Weber und wohne in Berlin", DE, Some("Jonas Weber"), None, Some("Berlin"), None),
        case("Meine Handynummer ist 0151 23456789", DE, None, None, None, Some("+4915123456789")),
        none("Die E-Mail meiner Frau ist anna@web.de", DE),
        case("Ich bin Lena aus München, erreichbar unter lena.k@gmx.de", DE, Some("Lena"), Some("lena.k@gmx.de"), Some("München"), None),
        case("ich bin in Hamburg", DE, None, None, Some("Hamburg"), None),
        // Italian.
        case("Ciao, mi chiamo Giulia Rossi, abito a Torino", IT, Some("Giulia Rossi"), None, Some("Torino"), None),
        case("il mio numero è 347 123 4567", IT, None, None, None, Some("+393471234567")),
        case("Sono interessato, scrivetemi a marco.bianchi@libero.it", IT, None, Some("marco.bianchi@libero.it"), None, None),
        none("il numero di mia moglie è 333 765 4321", IT),
        // A second batch written without looking at the parser: signatures, articles before
        // names, titles, temporary places, third parties in the next clause.
        case("Hi there! Ana here, looking for a quote", GB, Some("Ana"), None, None, None),
        case("I'm Tom and this is my wife Sarah, we want to book", GB, Some("Tom"), None, None, None),
        case("my number's 0612345678", FR, None, None, None, Some("+33612345678")),
        case("Can you send the brochure to info@acme-corp.com? Thanks, Jim", US, Some("Jim"), Some("info@acme-corp.com"), None, None),
        case("Regards,\nDavid Brown\n+44 7911 123456", GB, Some("David Brown"), None, None, Some("+447911123456")),
        none("I'm Looking for a 2 bedroom apartment in Madrid", ES),
        case("Me llamo Ana y mi marido se llama Pedro, su teléfono es 699 123 456", ES, Some("Ana"), None, None, None),
        none("te paso el número de mi hermano: 612 345 678", ES),
        case("Soy Laura, la secretaria del Dr. Gómez", ES, Some("Laura"), None, None, None),
        case("tengo 35 años y vivo en Getafe", ES, None, None, Some("Getafe"), None),
        case("Mi email: juan@gmail.com / tel: 655 111 222", ES, None, Some("juan@gmail.com"), None, Some("+34655111222")),
        case("Hello, I am Dr. Patel", GB, Some("Dr. Patel"), None, None, None),
        case("Good morning. I'm in Lisbon next week, can we meet?", PT, None, None, Some("Lisbon"), None),
        case("whats ur price for whitening? im in leeds", GB, None, None, Some("Leeds"), None),
        none("im in love with your products lol", GB),
        none("i live near the beach", ES),
        none("Estoy en paro y busco curso", ES),
        case("Number: 612 34 56 78 (mobile)", ES, None, None, None, Some("+34612345678")),
        none("My phone is 555-0123", US),
        case("Mi nombre es  Ana María Gómez Ruiz", ES, Some("Ana María Gómez Ruiz"), None, None, None),
        case("Meu telefone é +55 21 98765-4321", BR, None, None, None, Some("+5521987654321")),
        case("Sou a Carla, trabalho em Braga", PT, Some("Carla"), None, None, None),
        case("Je suis Pierre, j'habite Lyon", FR, Some("Pierre"), None, Some("Lyon"), None),
        case("bitte rufen Sie mich unter +49 30 1234567 an", DE, None, None, None, Some("+49301234567")),
        case("Mi chiamo Luca e sono di Roma", IT, Some("Luca"), None, Some("Roma"), None),
        case("Il mio indirizzo email è l.verdi@gmail.com", IT, None, Some("l.verdi@gmail.com"), None, None),
        none("Scrivi a mio fratello: gianni@tiscali.it", IT),
        case("The meeting is on 03-04-2025 at 14:00, my cell 415 555 2671", US, None, None, None, Some("+14155552671")),
        none("Sorry, I don't want to share my email", GB),
        case("i am john", GB, Some("John"), None, None, None),
        case("This is the address: Rua Augusta 100, Lisboa", PT, None, None, Some("Rua Augusta 100, Lisboa"), None),
        case("Quiero información sobre el máster. Gracias, Marta", ES, Some("Marta"), None, None, None),
        case("I'm 45 and based in Dublin", GB, None, None, Some("Dublin"), None),
        none("Can I pay 1 500 000 in installments?", ES),
        none("tracking number 1Z999AA10123456784", US),
        // A third batch aimed at precision: the bot addressed by name, companies introducing
        // themselves, relatives in the same message, several addresses.
        case("Hi Sofia, I'm Ana", ES, Some("Ana"), None, None, None),
        case("Thanks Sofia! my email is ana@x.com", ES, None, Some("ana@x.com"), None, None),
        case("I'm Spanish but I live in London", GB, None, None, Some("London"), None),
        none("I'm Available tomorrow at 5", GB),
        none("Soy Yo otra vez", ES),
        case("I am Peter's wife, my name is Claire", GB, Some("Claire"), None, None, None),
        none("My son's name is Leo and he is 7", GB),
        case("mi hijo se llama Mateo, yo soy Laura", ES, Some("Laura"), None, None, None),
        case("Estoy en Madrid pero vivo en Toledo", ES, None, None, Some("Toledo"), None),
        case("I'm at the office until 6, call me on 07911 123456", GB, None, None, None, Some("+447911123456")),
        case("We're a company from Berlin looking for a supplier", DE, None, None, Some("Berlin"), None),
        case("Call me at 8pm on 612 345 678", ES, None, None, None, Some("+34612345678")),
        case("Je m'appelle Marie et mon mari s'appelle Luc, son numéro est le 06 98 76 54 32", FR, Some("Marie"), None, None, None),
        none("El envío a Valencia cuesta 5 €?", ES),
        case("I'm in Sales at Acme, based in Leeds", GB, None, None, Some("Leeds"), None),
        none("My friend Ana recommended you", GB),
        none("I'm Carlos's brother", ES),
        none("2 adults, 1 child, check-in 12/08, check-out 19/08", ES),
        case("Ich bin Anna und meine Nummer ist 0171 2345678", DE, Some("Anna"), None, None, Some("+491712345678")),
        case("Sono Marco, il mio cellulare è +39 345 678 9012", IT, Some("Marco"), None, None, Some("+393456789012")),
        case("Hola, quería saber el precio. Mi nombre: Roberto", ES, Some("Roberto"), None, None, None),
        case("my email address is j.doe@company.com but send invoices to billing@company.com", US, None, Some("j.doe@company.com"), None, None),
        case("send invoices to billing@company.com, my personal one is j.doe@gmail.com", US, None, Some("j.doe@gmail.com"), None, None),
        none("Hello, this is Acme Plumbing, we need 20 units", GB),
        case("This is urgent, call me back on +34 612 345 678", ES, None, None, None, Some("+34612345678")),
        case("This is Maria from Acme Corp", ES, Some("Maria"), None, None, None),
        case("Hi, I'm Jake from Denver", US, Some("Jake"), None, Some("Denver"), None),
    ]
}

/// True positives, false positives and false negatives of one field.
#[derive(Default)]
pub(super) struct Score {
    pub(super) tp: u32,
    pub(super) fp: u32,
    pub(super) fn_: u32,
}

impl Score {
    /// Counts one value; true when `got` is what was wanted.
    pub(super) fn add(&mut self, got: Option<&str>, want: Option<&str>) -> bool {
        match (got, want) {
            (Some(g), Some(w)) if g == w => self.tp += 1,
            (Some(_), Some(_)) => {
                self.fp += 1;
                self.fn_ += 1;
            }
            (Some(_), None) => self.fp += 1,
            (None, Some(_)) => self.fn_ += 1,
            (None, None) => {}
        }
        got == want
    }

    pub(super) fn precision(&self) -> f64 {
        let found = self.tp + self.fp;
        if found == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(found)
        }
    }

    pub(super) fn recall(&self) -> f64 {
        let expected = self.tp + self.fn_;
        if expected == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(expected)
        }
    }
}

fn values(fields: &LeadFields) -> [Option<String>; 4] {
    [
        fields.name.as_ref().map(ToString::to_string),
        fields.email.as_ref().map(ToString::to_string),
        fields.location.as_ref().map(ToString::to_string),
        fields.phone.as_ref().map(ToString::to_string),
    ]
}

#[test]
fn extraction_precision_and_recall_over_realistic_messages() {
    let table = table();
    assert!(table.len() >= 40, "the table must stay realistic and large");
    let names = ["name", "email", "location", "phone"];
    let mut scores: [Score; 4] = Default::default();
    let mut misses = Vec::new();
    for case in &table {
        let got = values(&parse_message(case.text, case.region));
        let want = [case.name, case.email, case.location, case.phone];
        for (k, score) in scores.iter_mut().enumerate() {
            if !score.add(got[k].as_deref(), want[k]) {
                misses.push(format!(
                    "  {:<8} got {:?}, want {:?} in {:?}",
                    names[k], got[k], want[k], case.text
                ));
            }
        }
    }
    println!("lead extraction quality over {} messages:", table.len());
    println!("  field     precision  recall   (tp/fp/fn)");
    for (k, s) in scores.iter().enumerate() {
        println!(
            "  {:<8}  {:>8.3}  {:>7.3}   ({}/{}/{})",
            names[k],
            s.precision(),
            s.recall(),
            s.tp,
            s.fp,
            s.fn_
        );
    }
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    for (k, s) in scores.iter().enumerate() {
        assert!(
            s.precision() >= 0.95,
            "{} precision {:.3} < 0.95",
            names[k],
            s.precision()
        );
        assert!(
            s.recall() >= 0.8,
            "{} recall {:.3} < 0.8",
            names[k],
            s.recall()
        );
    }
}
