//! Colours of the document view that text is read over: span highlights, the selection and
//! search hits. Each fill is opaque (pre-mixed with the background, so stacked highlights
//! never compound) and as strong as it can be while the text over it keeps a WCAG contrast
//! of at least 4.5:1, in the dark and the light theme. The view paints with these functions
//! only, so the test below checks the colours that reach the screen.

use egui::Color32;

/// The contrast every text over a highlight keeps (WCAG AA for body text).
pub const MIN_CONTRAST: f32 = 4.5;

/// The background and text colours of the document view.
#[must_use]
pub fn base(dark: bool) -> (Color32, Color32) {
    if dark {
        (Color32::from_gray(27), Color32::from_gray(232))
    } else {
        (Color32::from_gray(250), Color32::from_gray(18))
    }
}

/// Relative luminance (WCAG 2).
#[must_use]
pub fn luminance(c: Color32) -> f32 {
    let lin = |v: u8| {
        let v = f32::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
}

/// WCAG contrast ratio of two opaque colours (1 to 21).
#[must_use]
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn mix(bg: Color32, c: [u8; 3], t: f32) -> Color32 {
    let m = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
    Color32::from_rgb(m(bg.r(), c[0]), m(bg.g(), c[1]), m(bg.b(), c[2]))
}

/// The strongest opaque mix of `color` into the background, up to `max_t`, that keeps the
/// text readable over it.
#[must_use]
pub fn readable_fill(color: [u8; 3], dark: bool, max_t: f32) -> Color32 {
    let (bg, text) = base(dark);
    let mut t = max_t;
    loop {
        let fill = mix(bg, color, t);
        if contrast(fill, text) >= MIN_CONTRAST + 0.05 || t <= 0.0 {
            return fill;
        }
        t -= 0.02;
    }
}

/// A span highlight of a label colour.
#[must_use]
pub fn span_fill(color: [u8; 3], dark: bool) -> Color32 {
    readable_fill(color, dark, if dark { 0.45 } else { 0.35 })
}

/// The text selection.
#[must_use]
pub fn selection_fill(dark: bool) -> Color32 {
    readable_fill([70, 130, 255], dark, 0.5)
}

/// A search hit (under a span's highlight it shows as an outline, see the view).
#[must_use]
pub fn hit_fill(dark: bool) -> Color32 {
    readable_fill([255, 210, 0], dark, 0.45)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_of_black_on_white_is_21() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 0.01);
    }

    #[test]
    fn text_over_every_highlight_keeps_4_5_to_1_in_both_themes() {
        for dark in [true, false] {
            let (_, text) = base(dark);
            let mut fills: Vec<(String, Color32)> = crate::domain::label::PALETTE
                .iter()
                .map(|c| (format!("label {c:?}"), span_fill(*c, dark)))
                .collect();
            fills.push(("selection".into(), selection_fill(dark)));
            fills.push(("search hit".into(), hit_fill(dark)));
            // A user's own colours: pure primaries and greys.
            for c in [
                [255, 0, 0],
                [0, 255, 0],
                [0, 0, 255],
                [255, 255, 0],
                [128, 128, 128],
            ] {
                fills.push((format!("custom {c:?}"), span_fill(c, dark)));
            }
            let lowest = fills
                .iter()
                .map(|(_, f)| contrast(text, *f))
                .fold(f32::MAX, f32::min);
            println!(
                "{} theme: lowest text contrast over a highlight {lowest:.2}:1",
                if dark { "dark" } else { "light" }
            );
            for (what, fill) in fills {
                let ratio = contrast(text, fill);
                assert!(
                    ratio >= MIN_CONTRAST,
                    "{what} in the {} theme: {ratio:.2}:1",
                    if dark { "dark" } else { "light" }
                );
                // And the highlight still shows against the page.
                assert_ne!(fill, base(dark).0, "{what} is invisible");
            }
        }
    }
}
