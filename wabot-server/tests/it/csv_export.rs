//! The leads CSV export neutralises spreadsheet formulas in every cell that comes from outside,
//! the contact and phone columns included.

use wabot_core::domain::Role;

use crate::support::TestApp;

#[tokio::test]
async fn csv_export_neutralises_a_leading_plus_in_the_phone_cell_like_other_columns() {
    let app = TestApp::spawn().await;
    let owner = app.tenant(Role::Owner).await;
    let bot = app.sandbox_bot(&owner).await;
    let conv = app
        .customer_says(
            &owner,
            &bot,
            "34633333333@c.us",
            "Hola, soy Ana. Mi teléfono es +34 600 111 222",
        )
        .await;
    let lead = conv["lead"]["id"].as_str().unwrap().to_string();
    let fields = app.get(&owner, &format!("/leads/{lead}")).await;
    assert_eq!(
        fields.body["fields"]["phone"], "+34600111222",
        "the parser took the phone: {}",
        fields.text
    );

    let csv = app
        .get(&owner, &format!("/leads/export.csv?bot_id={bot}"))
        .await;

    assert_eq!(csv.status, 200, "{}", csv.text);
    let row = csv
        .text
        .lines()
        .find(|l| l.starts_with(&lead))
        .unwrap_or_else(|| panic!("the lead's row is missing: {}", csv.text));
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[6], "'+34600111222", "{row}");
    assert_eq!(
        cells[2], "34633333333@c.us",
        "a plain contact is unchanged: {row}"
    );
}
